"""Which files changed since the active snapshot: one rule for the ingestion and the Documents page.

A file's scan stamp (size, modification and change times, inode: ``CorpusFile.stamp``) changes with any
write. A content hash taken while the stamp was the same is still the file's hash, unless the file had
changed less than ``RACY_MARGIN_NS`` before (git's "racily clean" rule): a second write within the clock's
granularity could then leave the stamp as it was. Hence, for both callers:

- the snapshot's listing records a file's stamp only when the file was not racy at the scan
  (:func:`is_racy`), and a recorded stamp equal to today's gives the recorded hash without reading the
  file (:func:`known_hashes`);
- the page's :class:`HashMemo` keeps a hash under the file's path and stamp only when the file was not
  racy when it was hashed;
- any other file is read and hashed (:func:`file_sha256`).

So the page calls a file indexed exactly when the next ingestion would find it unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from docmind.ingest.scan.corpus import Corpus, CorpusFile
from docmind.segments.corpus_listing import CorpusListing

_HASH_BLOCK = 1024 * 1024

RACY_MARGIN_NS = 2_000_000_000
"""A file changed less than this before a scan may change again unseen (git's "racily clean" rule):
its stamp is not recorded (``FileRecord.stamp`` stays empty), so the next ingestion hashes it again."""


def known_hashes(previous: CorpusListing | None, corpus: Corpus) -> dict[str, str]:
    """Relative name → content hash of files whose scan stamp equals the one the active snapshot recorded.

    Such a file has not been written since it was hashed, so reading it again would give the same
    hash. Stamps are recorded only when trustworthy (see ``RACY_MARGIN_NS``).
    """
    if previous is None:
        return {}
    recorded = {(f.source, f.path): f for f in previous.files if f.stamp and f.sha256}
    hashes = {}
    for file in corpus.files:
        record = recorded.get((file.source, file.rel))
        if record is not None and record.stamp == file.stamp:
            hashes[file.rel] = record.sha256
    return hashes


def is_racy(file: CorpusFile, at_ns: int) -> bool:
    """Whether ``file`` changed less than ``RACY_MARGIN_NS`` before ``at_ns`` (its stamp is no proof then)."""
    return file.changed_ns >= at_ns - RACY_MARGIN_NS


def file_sha256(path: Path) -> str:
    """Stream the file through sha256 in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


MemoKey = tuple[str, str]
"""A file's path and scan stamp."""


class HashMemo:
    """Content hashes by (path, scan stamp), holding only the entries the latest page render used.

    Thread-safe: sessions render concurrently. A render takes what the memo knows with `lookup`, hashes the
    rest itself and hands back what it may keep (never a racy file's hash) to `keep`, which drops the rest
    (deleted files, files since rewritten): the memo never outgrows the corpus.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: dict[MemoKey, str] = {}

    def lookup(self) -> dict[MemoKey, str]:
        """A copy of the current entries."""
        with self._lock:
            return dict(self._hashes)

    def keep(self, used: dict[MemoKey, str]) -> None:
        """Replace the entries with ``used``."""
        with self._lock:
            self._hashes = dict(used)

    def __len__(self) -> int:
        with self._lock:
            return len(self._hashes)
