"""Searching the active snapshot in one of three modes.

- ``bm25``: keyword ranking (LlamaIndex ``BM25Retriever``).
- ``dense``: the query embedded with the snapshot's own embedder, the nearest windows by cosine
  similarity, each chunk ranked by its best window.
- ``hybrid``: both candidate lists (``CANDIDATES_PER_HIT`` × k each) fused by reciprocal rank.
The default is ``hybrid`` when the snapshot has vectors and ``bm25`` when it is keyword-only; a
keyword-only snapshot answers a ``hybrid`` request with BM25 and says so (``keyword_only``), and
refuses ``dense`` (:class:`SearchModeError`). A snapshot whose embedder cannot embed the query
(``query_vector``: its model folder gone, its endpoint down or serving another model) does the
same: ``hybrid`` runs BM25 and ``fallback`` says why in one line; ``dense`` is refused with that line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from docmind_snapshots import SnapshotStore

from docmind.embed.spec import EmbedderUnavailableError
from docmind.excerpts import best_passage
from docmind.search.fusion import reciprocal_rank_fusion
from docmind.search.hits import EXCERPT_CHARS, NoSnapshotError, SearchHit, SearchModeError
from docmind.search.loaded import DenseIndex, LoadedSnapshot, loaded_snapshot
from docmind.search.query_vector import query_vector

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")
CANDIDATES_PER_HIT = 4
MIN_CANDIDATES = 20
WINDOWS_PER_CANDIDATE = 4
"""Dense search fetches this many windows per wanted chunk (a chunk has several windows)."""


@dataclass(frozen=True)
class SearchResult:
    """The hits and how they were found.

    Attributes:
        mode: The mode that ran.
        keyword_only: The snapshot has no vectors.
        hits: Best first.
        fallback: Why a hybrid search ran BM25 only although the snapshot has vectors (one line: its
            embedder cannot embed the query); empty otherwise.
    """

    mode: Mode
    keyword_only: bool
    hits: list[SearchHit]
    fallback: str = ""


def search(store: SnapshotStore, query: str, k: int = 5, mode: Mode | None = None) -> SearchResult:
    """Return the top ``k`` hits for ``query`` in the active snapshot (none for a blank query).

    The active snapshot is read through ``SnapshotStore.open_current``: a publish and a retention
    between reading ``CURRENT`` and opening the snapshot make it open the new active one.

    Raises:
        NoSnapshotError: nothing has been published yet.
        SearchModeError: ``dense`` was asked of a keyword-only snapshot, or of one whose embedder
            cannot embed the query.
    """
    with store.open_current() as active:  # pinned: a retention meanwhile cannot remove it
        if active is None:
            raise NoSnapshotError("there is no index yet: ingest some documents first")
        snapshot = loaded_snapshot(store, active.name)
    keyword_only = snapshot.dense is None
    chosen: Mode = mode or ("bm25" if keyword_only else "hybrid")
    if keyword_only and chosen == "dense":
        raise SearchModeError(
            "the active snapshot is keyword-only (ingested with DOCMIND_EMBED=off): use --mode bm25 or hybrid"
        )
    if keyword_only:
        chosen = "bm25"
    if not query.strip():
        return SearchResult(chosen, keyword_only, [])
    k = max(1, k)
    pool = max(k * CANDIDATES_PER_HIT, MIN_CANDIDATES)
    vector, fallback = None, ""
    if chosen != "bm25":
        assert snapshot.dense is not None
        try:
            vector = query_vector(snapshot.dense.spec, query)
        except EmbedderUnavailableError as exc:
            if chosen == "dense":
                raise SearchModeError(f"dense search cannot run: {exc} (bm25 and hybrid can)") from exc
            chosen, fallback = "bm25", str(exc)
    if chosen == "bm25":
        ranked = [(o, s, ("bm25",)) for o, s in _bm25(snapshot, query, k)]
    elif chosen == "dense":
        assert snapshot.dense is not None and vector is not None
        ranked = [(o, s, ("dense",)) for o, s in _dense(snapshot.dense, vector, k)]
    else:
        assert snapshot.dense is not None and vector is not None
        rankings = {
            "bm25": [o for o, _ in _bm25(snapshot, query, pool)],
            "dense": [o for o, _ in _dense(snapshot.dense, vector, pool)],
        }
        ranked = [(f.item, f.score, f.sources) for f in reciprocal_rank_fusion(rankings)[:k]]
    hits = [_hit(snapshot.record(o), s, r, query) for o, s, r in ranked]
    return SearchResult(chosen, keyword_only, hits, fallback)


def _bm25(snapshot: LoadedSnapshot, query: str, wanted: int) -> list[tuple[int, float]]:
    """Chunk ordinals and BM25 scores, best first; chunks sharing no term with the query are left out."""
    with snapshot.lock:
        retriever = snapshot.bm25
        retriever.similarity_top_k = max(1, min(wanted, snapshot.chunks))
        results = retriever.retrieve(query)
    return [(snapshot.ordinals[r.node.node_id], float(r.score)) for r in results if r.score > 0]


def _dense(dense: DenseIndex, vector: np.ndarray, wanted: int) -> list[tuple[int, float]]:
    """Chunk ordinals and their best window's cosine similarity to the query's ``vector``, best first."""
    from llama_index.core.vector_stores.types import VectorStoreQuery

    windows = min(wanted * WINDOWS_PER_CANDIDATE, len(dense.parents))
    found = dense.store.query(VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=windows))
    best: dict[int, float] = {}
    for row, similarity in zip(found.ids or [], found.similarities or [], strict=True):
        parent = int(dense.parents[int(row)])
        if parent not in best:
            best[parent] = float(similarity)
    return list(best.items())[:wanted]


def _hit(record: dict[str, Any], score: float, retrievers: tuple[str, ...], query: str) -> SearchHit:
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    node = metadata_dict_to_node(record)
    label = str(node.metadata.get("page") or "")
    return SearchHit(
        file=str(node.metadata.get("file", "")),
        page=int(label) if label.isdigit() else None,
        score=round(score, 4),
        excerpt=best_passage(node.get_content(), query, width=EXCERPT_CHARS),
        retrievers=list(retrievers),
    )
