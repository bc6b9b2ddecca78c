"""Reusing what the active snapshot knows: content hashes of unwritten files, counts, index files.

A file whose scan stamp (size, times, inode) is the one the active snapshot recorded keeps its
recorded content hash without being read. Snapshots are immutable, so when the new corpus indexes
the same content under the same settings as the active snapshot (``changes.change_between`` says
so), the new snapshot's index files are hard links to the active one's (a copy where links are not
possible).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from docmind_snapshots import SnapshotError, SnapshotStore

from docmind.ingest.corpus import Corpus
from docmind.ingest.index_stage import BM25_DIR
from docmind.ingest.splitter import NAME as SPLITTER
from docmind.ingest.summary import CORPUS_FILE, CorpusListing
from docmind.ingest.vector_stage import VECTORS_DIR

INDEX_DIRS = (BM25_DIR, VECTORS_DIR)
"""The index folders of a snapshot (the dense one only when it has vectors)."""


def active_listing(store: SnapshotStore) -> tuple[str, CorpusListing] | None:
    """The active snapshot's id and per-file listing, or ``None`` (no snapshot, or unreadable)."""
    try:
        current = store.current()
        if current is None:
            return None
        with store.open(current.id) as snapshot:
            listing = CorpusListing.model_validate_json((Path(snapshot) / CORPUS_FILE).read_bytes())
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


RACY_MARGIN_NS = 2_000_000_000
"""A file changed less than this before the previous scan may have changed again unseen: re-hash it."""


def known_hashes(previous: CorpusListing | None, corpus: Corpus) -> dict[str, str]:
    """Relative name → content hash of files whose scan stamp equals the one the active snapshot recorded.

    Such a file has not been written since it was hashed, so reading it again would give the same
    hash. A file changed within ``RACY_MARGIN_NS`` before that scan is left out: a second write in
    the same timestamp tick would not have changed its stamp (git's "racily clean" rule).
    """
    if previous is None:
        return {}
    recorded = {(f.source, f.path): f for f in previous.files if f.stamp and f.sha256}
    hashes = {}
    for file in corpus.files:
        record = recorded.get((file.source, file.rel))
        stable = file.changed_ns < previous.scanned_ns - RACY_MARGIN_NS
        if record is not None and record.stamp == file.stamp and stable:
            hashes[file.rel] = record.sha256
    return hashes


def reuse_active_index(store: SnapshotStore, previous: CorpusListing, workspace: Path) -> bool:
    """Link the active snapshot's index into ``workspace``; the caller found it indexes the same content.

    Returns:
        Whether the index was reused (``False``: the active snapshot is no longer the one ``previous``
        came from, or its files could not be linked; the caller must build the index).
    """
    current = store.current()
    if current is None:
        return False
    try:
        with store.open(current.id) as snapshot:
            if CorpusListing.model_validate_json((Path(snapshot) / CORPUS_FILE).read_bytes()) != previous:
                return False  # the active snapshot changed since the listing was read
            for name in INDEX_DIRS:
                if (Path(snapshot) / name).is_dir():
                    _link_tree(Path(snapshot) / name, workspace / name)
    except (OSError, ValueError, SnapshotError):
        for name in INDEX_DIRS:
            shutil.rmtree(workspace / name, ignore_errors=True)
        return False
    return True


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir()
    for item in source.iterdir():
        if not item.is_file() or item.is_symlink():
            raise OSError(f"unexpected entry in index: {item.name}")
        try:
            os.link(item, target / item.name)
        except OSError:
            shutil.copy2(item, target / item.name)
