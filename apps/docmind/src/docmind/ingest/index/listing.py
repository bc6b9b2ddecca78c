"""A snapshot's corpus listing, and what the next ingestion reuses of the active one's.

The listing of a snapshot is stored in two places: each segment's header names the files whose
chunks it holds (``docmind.segments.meta.FileSpan``), and ``corpus.json`` holds the settings, the
removals and every other file (failed, skipped, or indexed without a chunk). ``read_listing`` puts
them together; ``write_listing`` stores the second part. So a change to one file rewrites neither
the other files' records nor their segments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from docmind_snapshots import SnapshotError, SnapshotStore

from docmind.ingest.parse.splitter import NAME as SPLITTER
from docmind.segments import layout
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.file_status import FileStatus
from docmind.segments.manifest import read_deletes, read_index_manifest
from docmind.segments.meta import read_segment_meta


def read_listing(snapshot: Path) -> CorpusListing:
    """The whole listing of the snapshot at ``snapshot``: ``corpus.json`` plus its segments' live files.

    Raises:
        OSError: a file cannot be read. ValueError: a file is not what it should be.
    """
    stored = CorpusListing.model_validate_json((snapshot / layout.CORPUS_FILE).read_bytes())
    parsed = set(stored.parsed)
    indexed: list[FileRecord] = []
    for entry in read_index_manifest(snapshot).segments:
        meta = read_segment_meta(snapshot / layout.segment_dir(entry.name))
        live = np.ones(meta.docs, dtype=bool)
        if entry.deletes is not None:
            live[read_deletes(snapshot / entry.deletes)] = False
        indexed.extend(
            FileRecord(
                path=span.path,
                source=span.source,
                sha256=span.sha256,
                size=span.size,
                stamp=span.stamp,
                pages=span.pages,
                chunks=span.chunks,
                status=FileStatus.INDEXED if span.path in parsed else FileStatus.CACHED,
            )
            for span in meta.files
            if live[span.first]
        )
    files = sorted([*indexed, *stored.files], key=lambda record: record.path)
    return stored.model_copy(update={"files": tuple(files), "parsed": ()})


def write_listing(workspace: Path, listing: CorpusListing) -> None:
    """Write ``corpus.json``: the listing without the files the segments name (chunks in the index).

    Of those it keeps only which ones this ingestion parsed (``CorpusListing.parsed``): as many as
    the change, not the corpus.
    """
    in_segments = [f for f in listing.files if f.status.is_ingested and f.chunks]
    own = tuple(f for f in listing.files if not (f.status.is_ingested and f.chunks))
    parsed = tuple(f.path for f in in_segments if f.status == FileStatus.INDEXED)
    stored = listing.model_copy(update={"files": own, "parsed": parsed})
    (workspace / layout.CORPUS_FILE).write_text(stored.model_dump_json(indent=1), encoding="utf-8")


def active_listing(store: SnapshotStore) -> tuple[str, CorpusListing] | None:
    """The active snapshot's id and per-file listing, or ``None`` (no snapshot, or unreadable)."""
    try:
        current = store.current()
        if current is None:
            return None
        with store.open(current.id) as snapshot:
            listing = read_listing(Path(snapshot))
    except (OSError, ValueError, SnapshotError):
        return None
    return current.id, listing


def known_chunk_counts(
    previous: CorpusListing | None, chunk_size: int, chunk_overlap: int
) -> dict[str, tuple[int, int]]:
    """Content hash → (pages, chunks) of files the active snapshot indexed with this splitter and settings."""
    settings = (SPLITTER, chunk_size, chunk_overlap)
    if previous is None or (previous.splitter, previous.chunk_size, previous.chunk_overlap) != settings:
        return {}
    return {f.sha256: (f.pages, f.chunks) for f in previous.files if f.status.is_ingested}
