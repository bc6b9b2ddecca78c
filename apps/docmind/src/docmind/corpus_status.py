"""The corpus as a person sees it: each document with its status relative to the active snapshot.

Statuses: ``indexed`` (same content as in the active snapshot), ``new`` (not in it), ``changed``
(content differs), ``failed`` (the active snapshot could not read it), ``skipped`` (not ingested,
with the reason). A file is compared exactly as the next ingestion would compare it
(``docmind.ingest.scan.content_hashes``): a scan stamp the snapshot recorded stands for its hash, other
hashes are memoised by path and stamp so a page render stays cheap; the memo keeps only the files of the
latest render, so it never outgrows the corpus.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from docmind_snapshots import SnapshotStore

from docmind.ingest.index.listing import read_listing
from docmind.ingest.scan.content_hashes import HashMemo, MemoKey, file_sha256, is_racy, known_hashes
from docmind.ingest.scan.corpus import CorpusFile, Source, scan
from docmind.segments.corpus_listing import CorpusListing
from docmind.segments.file_status import FileStatus

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
    recorded = known_hashes(listing, corpus)
    memo = hash_memo.lookup()
    used: dict[MemoKey, str] = {}
    now = time.time_ns()

    def sha(file: CorpusFile) -> str:
        if file.rel in recorded:
            return recorded[file.rel]
        key = (str(file.path), file.stamp)
        digest = memo.get(key) or file_sha256(file.path)
        if not is_racy(file, now):
            used[key] = digest
        return digest

    rows = []
    for file in corpus.files:
        record = published.get(file.rel)
        if record is None:
            status, note = FileStatus.NEW, ""
        elif record.status == FileStatus.FAILED:
            same = sha(file) == record.sha256
            status, note = (FileStatus.FAILED, record.error) if same else (FileStatus.CHANGED, "")
        elif sha(file) == record.sha256:
            status, note = FileStatus.INDEXED, ""
        else:
            status, note = FileStatus.CHANGED, ""
        rows.append(DocumentRow(file.rel, file.size, file.source, status, note))
    rows.extend(DocumentRow(s.rel, s.size, s.source, FileStatus.SKIPPED, s.reason) for s in corpus.skipped)
    hash_memo.keep(used)
    return rows
