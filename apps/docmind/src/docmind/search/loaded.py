"""A published snapshot opened for search: its BM25 retriever and, when it has vectors, its dense index.

Snapshots are immutable, so an opened snapshot is kept (the two most recent, by id) and shared by
every search. The FAISS index and the row → chunk table are memory-mapped read-only: the pages the
kernel already holds serve every process, and opening costs no copy of the vectors.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from docmind_snapshots import SnapshotStore

from docmind.embed.spec import EmbedSpec
from docmind.ingest.index_stage import BM25_DIR
from docmind.ingest.summary import CORPUS_FILE, CorpusListing, EmbeddingInfo
from docmind.ingest.vector_stage import INDEX_FILE, PARENTS_FILE, VECTORS_DIR

_MAX_LOADED = 2


@dataclass
class DenseIndex:
    """The snapshot's vectors: a LlamaIndex FAISS store over the memory-mapped index, and row → chunk."""

    store: Any
    parents: np.ndarray
    spec: EmbedSpec


@dataclass
class LoadedSnapshot:
    """One snapshot ready for queries; ``lock`` serialises use of the (stateful) BM25 retriever."""

    snapshot_id: str
    bm25: Any
    ordinals: dict[str, int]
    dense: DenseIndex | None
    lock: threading.Lock

    @property
    def chunks(self) -> int:
        """Chunks in the snapshot."""
        return len(self.ordinals)

    def record(self, ordinal: int) -> dict[str, Any]:
        """The stored chunk (text and metadata) with this ordinal."""
        return self.bm25.corpus[ordinal]


_loaded: OrderedDict[tuple[Path, str], LoadedSnapshot] = OrderedDict()
"""Opened snapshots by (store root, id): two data dirs may hold snapshots of the same id."""
_loaded_lock = threading.Lock()


def loaded_snapshot(store: SnapshotStore, snapshot_id: str) -> LoadedSnapshot:
    """The snapshot ``snapshot_id`` opened for search (from the small cache of opened snapshots)."""
    key = (store.root, snapshot_id)
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    snapshot = _open(store, snapshot_id)
    with _loaded_lock:
        _loaded[key] = snapshot
        while len(_loaded) > _MAX_LOADED:
            _loaded.popitem(last=False)
    return snapshot


def _open(store: SnapshotStore, snapshot_id: str) -> LoadedSnapshot:
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    with store.open(snapshot_id) as opened:
        root = Path(opened)
        bm25: Any = BM25Retriever.from_persist_dir(str(root / BM25_DIR), show_progress=False)
        listing = CorpusListing.model_validate_json((root / CORPUS_FILE).read_bytes())
        dense = _open_dense(root / VECTORS_DIR, listing.embedding)
    ordinals = {record["node_id"]: position for position, record in enumerate(bm25.corpus)}
    return LoadedSnapshot(snapshot_id, bm25, ordinals, dense, threading.Lock())


def _open_dense(folder: Path, info: EmbeddingInfo | None) -> DenseIndex | None:
    if info is None or not (folder / INDEX_FILE).is_file():
        return None
    import faiss
    from llama_index.vector_stores.faiss import FaissVectorStore

    # IO_FLAG_MMAP_IFC maps a flat index's vectors (IO_FLAG_MMAP would copy them into private memory).
    index = faiss.read_index(str(folder / INDEX_FILE), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    parents = np.load(folder / PARENTS_FILE, mmap_mode="r")
    spec = EmbedSpec(
        kind="http" if info.kind == "http" else "local",
        model=info.model,
        url=info.url,
        name=info.name,
        identity=info.identity,
        window=info.window,
        batch=1,
        tokenizer_dir=Path(info.tokenizer_dir),
        canary=info.canary,
    )
    return DenseIndex(FaissVectorStore(faiss_index=index), parents, spec)
