"""Search over a published snapshot: BM25 hits with file, page, score and an excerpt.

The excerpt is the chunk's best-matching passage (:func:`docmind.excerpts.best_passage`), plain
text; the chunk's full text never leaves this module.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from docmind_snapshots import SnapshotStore
from pydantic import BaseModel, ConfigDict

from docmind.excerpts import best_passage
from docmind.ingest.index_stage import BM25_DIR

EXCERPT_CHARS = 300
_MAX_LOADED = 2


class SearchHit(BaseModel):
    """One search result; ``page`` is the 1-based PDF page number, ``None`` for formats without pages."""

    model_config = ConfigDict(frozen=True)

    file: str
    page: int | None
    score: float
    excerpt: str


class NoSnapshotError(Exception):
    """There is no active snapshot to search yet."""


_loaded: OrderedDict[str, Any] = OrderedDict()
_loaded_lock = threading.Lock()


def search(store: SnapshotStore, query: str, k: int = 5) -> list[SearchHit]:
    """Return the top ``k`` hits for ``query`` in the active snapshot (empty for a blank query).

    Raises:
        NoSnapshotError: when nothing has been published yet.
    """
    if not query.strip():
        return []
    current = store.current()
    if current is None:
        raise NoSnapshotError("there is no index yet: ingest some documents first")
    retriever = _retriever(store, current.id)
    with _loaded_lock:
        retriever.similarity_top_k = max(1, min(k, int(retriever.bm25.scores["num_docs"])))
        results = retriever.retrieve(query)
    return [_hit(result, query) for result in results if result.score > 0]


def _retriever(store: SnapshotStore, snapshot_id: str) -> Any:
    with _loaded_lock:
        if snapshot_id in _loaded:
            _loaded.move_to_end(snapshot_id)
            return _loaded[snapshot_id]
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    with store.open(snapshot_id) as path:
        retriever = BM25Retriever.from_persist_dir(str(Path(path) / BM25_DIR), show_progress=False)
    with _loaded_lock:
        _loaded[snapshot_id] = retriever
        while len(_loaded) > _MAX_LOADED:
            _loaded.popitem(last=False)
    return retriever


def _hit(result: Any, query: str) -> SearchHit:
    node = result.node
    excerpt = best_passage(node.get_content(), query, width=EXCERPT_CHARS)
    label = str(node.metadata.get("page") or "")
    return SearchHit(
        file=str(node.metadata.get("file", "")),
        page=int(label) if label.isdigit() else None,
        score=round(float(result.score), 4),
        excerpt=excerpt,
    )
