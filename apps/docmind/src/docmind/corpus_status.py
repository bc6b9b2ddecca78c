"""The corpus as a person sees it: each document with its status relative to the active snapshot.

Statuses: ``indexed`` (same content as in the active snapshot), ``new`` (not in it), ``changed``
(content differs), ``failed`` (the active snapshot could not read it), ``skipped`` (not ingested,
with the reason). Hashes are memoised by (path, size, mtime) so a page render stays cheap.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from docmind_snapshots import SnapshotStore

from docmind.ingest.corpus import Source, scan
from docmind.ingest.summary import CORPUS_FILE, CorpusListing
from docmind.ingest.worker import file_sha256

_hash_memo: dict[tuple[str, int, int], str] = {}
_memo_lock = threading.Lock()


@dataclass(frozen=True)
class DocumentRow:
    """One row of the corpus table."""

    name: str
    size: int
    source: str
    status: str
    note: str


def snapshot_listing(store: SnapshotStore, snapshot_id: str | None) -> CorpusListing | None:
    """The per-file listing published in a snapshot, or ``None`` if unavailable."""
    if snapshot_id is None:
        return None
    try:
        with store.open(snapshot_id) as path:
            return CorpusListing.model_validate_json((Path(path) / CORPUS_FILE).read_bytes())
    except (OSError, ValueError):
        return None


def corpus_rows(sources: list[Source], store: SnapshotStore, *, max_file_bytes: int) -> list[DocumentRow]:
    """Scan ``sources`` and compare each file with the active snapshot."""
    current = store.current()
    listing = snapshot_listing(store, current.id if current else None)
    published = {f.path: f for f in listing.files} if listing else {}
    corpus = scan(sources, max_file_bytes=max_file_bytes)
    rows = []
    for file in corpus.files:
        record = published.get(file.rel)
        if record is None:
            status, note = "new", ""
        elif record.status == "failed":
            status, note = ("failed", record.error) if _sha(file.path) == record.sha256 else ("changed", "")
        elif _sha(file.path) == record.sha256:
            status, note = "indexed", ""
        else:
            status, note = "changed", ""
        rows.append(DocumentRow(file.rel, file.size, file.source, status, note))
    rows.extend(DocumentRow(s.rel, 0, s.source, "skipped", s.reason) for s in corpus.skipped)
    return rows


def _sha(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _memo_lock:
        known = _hash_memo.get(key)
    if known is None:
        known = file_sha256(path)
        with _memo_lock:
            _hash_memo[key] = known
    return known
