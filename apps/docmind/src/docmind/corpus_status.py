"""The corpus as a person sees it: each document with its status relative to the active snapshot.

Statuses: ``indexed`` (same content as in the active snapshot), ``new`` (not in it), ``changed``
(content differs), ``failed`` (the active snapshot could not read it), ``skipped`` (not ingested,
with the reason). Hashes are memoised by (path, size, mtime) so a page render stays cheap; the memo
keeps only the files of the latest render, so it never outgrows the corpus.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from docmind_snapshots import SnapshotStore

from docmind.ingest.corpus import Source, scan
from docmind.ingest.file_status import FileStatus
from docmind.ingest.listing import read_listing
from docmind.ingest.summary import CorpusListing
from docmind.ingest.worker import file_sha256

_StampKey = tuple[str, int, int]


class HashMemo:
    """Content hashes by (path, size, mtime), holding only the entries the latest render used.

    Thread-safe: sessions render concurrently. A render takes what the memo knows with `lookup`,
    hashes the rest itself and hands back everything it used to `keep`, which drops the rest
    (deleted files, files since rewritten).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: dict[_StampKey, str] = {}

    def lookup(self) -> dict[_StampKey, str]:
        """A copy of the current entries."""
        with self._lock:
            return dict(self._hashes)

    def keep(self, used: dict[_StampKey, str]) -> None:
        """Replace the entries with ``used``."""
        with self._lock:
            self._hashes = dict(used)

    def __len__(self) -> int:
        with self._lock:
            return len(self._hashes)


hash_memo = HashMemo()


@dataclass(frozen=True)
class DocumentRow:
    """One row of the corpus table.

    ``size`` is in bytes; ``None`` for a skipped entry that is not a regular file (a missing source,
    a link that leaves its source). ``note`` is the whole reason of a skipped or failed file.
    """

    name: str
    size: int | None
    source: str
    status: FileStatus
    note: str


def snapshot_listing(store: SnapshotStore, snapshot_id: str | None) -> CorpusListing | None:
    """The per-file listing published in a snapshot, or ``None`` if unavailable."""
    if snapshot_id is None:
        return None
    try:
        with store.open(snapshot_id) as path:
            return read_listing(Path(path))
    except (OSError, ValueError):
        return None


def corpus_rows(sources: list[Source], store: SnapshotStore, *, max_file_bytes: int) -> list[DocumentRow]:
    """Scan ``sources`` and compare each file with the active snapshot (read through its retrying open)."""
    with store.open_current() as active:
        listing = snapshot_listing(store, active.name if active else None)
    published = {f.path: f for f in listing.files} if listing else {}
    corpus = scan(sources, max_file_bytes=max_file_bytes)
    known = hash_memo.lookup()
    used: dict[_StampKey, str] = {}

    def sha(path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        used[key] = known.get(key) or file_sha256(path)
        return used[key]

    rows = []
    for file in corpus.files:
        record = published.get(file.rel)
        if record is None:
            status, note = FileStatus.NEW, ""
        elif record.status == FileStatus.FAILED:
            same = sha(file.path) == record.sha256
            status, note = (FileStatus.FAILED, record.error) if same else (FileStatus.CHANGED, "")
        elif sha(file.path) == record.sha256:
            status, note = FileStatus.INDEXED, ""
        else:
            status, note = FileStatus.CHANGED, ""
        rows.append(DocumentRow(file.rel, file.size, file.source, status, note))
    rows.extend(DocumentRow(s.rel, s.size, s.source, FileStatus.SKIPPED, s.reason) for s in corpus.skipped)
    hash_memo.keep(used)
    return rows
