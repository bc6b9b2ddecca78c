"""Searching the active snapshot in one of three modes.

- ``bm25``: keyword ranking, the scores of LlamaIndex's ``BM25Retriever`` over the live chunks
  (``docmind.segments.bm25``), with the query's terms made as it makes them.
- ``dense``: the query embedded with the snapshot's own embedder, the nearest windows by cosine
  similarity, each chunk ranked by its best window.
- ``hybrid``: both candidate lists (``CANDIDATES_PER_HIT`` × k each, at least ``MIN_CANDIDATES``)
  fused (``docmind.search.fusion``): by default a weighted sum of each list's scores rescaled by
  where they stand among its candidates (``convex``), or by reciprocal rank (``rrf``).
Every hit carries a relevance from 0 to 1 (its fused score, or a single list's rescaled score) beside
its raw score and the raw score of each retriever that found it.
The default is ``hybrid`` when the snapshot has vectors and ``bm25`` when it is keyword-only; a
keyword-only snapshot answers a ``hybrid`` request with BM25 and says so (``keyword_only``), and
refuses ``dense`` (:class:`SearchModeError`). A snapshot whose embedder cannot embed the query
(``query_vector``: its model folder gone, its endpoint down or serving another model) does the
same: ``hybrid`` runs BM25 and ``fallback`` says why in one line; ``dense`` is refused with that line.

The active snapshot is read through pins that retry when a writer switches it meanwhile. A
snapshot found damaged (a file that does not match its checksum) is reported: CURRENT falls back to
the newest snapshot that verifies (when no writer holds the store) and the search is answered from
the newest snapshot that opens cleanly, with a one-line ``warning``.
"""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from docmind_snapshots import SnapshotError, SnapshotNotFoundError, SnapshotStore, WriterBusyError

from docmind.search.excerpts import best_passage
from docmind.search.fusion import Fusion, fuse
from docmind.search.hits import EXCERPT_CHARS, NoSnapshotError, SearchHit, SearchModeError
from docmind.search.loaded import LoadedSnapshot, forget, loaded_snapshot
from docmind.segments.bm25_terms import query_terms
from docmind.segments.reader import SegmentDamagedError

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")
CANDIDATES_PER_HIT = 4
MIN_CANDIDATES = 20
_OPEN_RETRIES = 5
KEYWORD_ONLY = "the active snapshot was ingested with embeddings off (DOCMIND_EMBED=off)"


@dataclass(frozen=True)
class Found:
    """One ranked chunk: its stored record (text and metadata), its score and the retrievers that found it.

    ``relevance`` is 0 to 1 (``docmind.search.fusion``); ``scores`` holds the raw score of each
    retriever that found it.
    """

    record: dict[str, Any]
    score: float
    retrievers: tuple[str, ...]
    relevance: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The chunk's text."""
        return str(json.loads(self.record["_node_content"])["text"])


@dataclass(frozen=True)
class Retrieval:
    """The ranked chunks of one query and how they were found (see ``SearchResult``)."""

    mode: Mode
    keyword_only: bool
    found: list[Found]
    snapshot_id: str
    warning: str | None
    fallback: str = ""


@dataclass(frozen=True)
class SearchResult:
    """The hits and how they were found.

    Attributes:
        mode: The mode that ran.
        keyword_only: Whether the snapshot searched has no vectors.
        hits: Best first.
        snapshot_id: The snapshot searched.
        warning: One line when it is not the active one (the active one was found damaged).
        fallback: Why a hybrid search ran BM25 only although the snapshot has vectors (one line: its
            embedder cannot embed the query); empty otherwise.
    """

    mode: Mode
    keyword_only: bool
    hits: list[SearchHit]
    snapshot_id: str = ""
    warning: str | None = None
    fallback: str = ""


def search(
    store: SnapshotStore, query: str, k: int = 5, mode: Mode | None = None, fusion: Fusion = "convex"
) -> SearchResult:
    """Return the top ``k`` hits for ``query`` in the active snapshot (none for a blank query).

    ``fusion`` is how a hybrid search fuses its two candidate lists (``DOCMIND_FUSION``).

    Raises:
        NoSnapshotError: nothing has been published yet.
        SearchModeError: ``dense`` was asked of a keyword-only snapshot, or of one whose embedder
            cannot embed the query.
    """
    found = retrieve(store, query, k, mode, fusion)
    hits = [_hit(item, query) for item in found.found]
    return SearchResult(
        found.mode, found.keyword_only, hits, found.snapshot_id, found.warning, found.fallback
    )


def retrieve(
    store: SnapshotStore, query: str, k: int = 5, mode: Mode | None = None, fusion: Fusion = "convex"
) -> Retrieval:
    """The top ``k`` chunks for ``query`` with their whole records; ``search`` without the excerpts.

    Raises:
        NoSnapshotError: nothing has been published yet.
        SearchModeError: ``dense`` was asked of a keyword-only snapshot, or of one whose embedder
            cannot embed the query.
    """
    snapshot, warning = _open_active(store)
    try:
        return _retrieve(snapshot, query, k, mode, warning, fusion)
    except SegmentDamagedError as exc:
        forget(store, snapshot.snapshot_id)
        fallback, note = _after_damage(store, snapshot.snapshot_id, exc)
        return _retrieve(fallback, query, k, mode, note, fusion)


def _retrieve(
    snapshot: LoadedSnapshot, query: str, k: int, mode: Mode | None, warning: str | None, fusion: Fusion
) -> Retrieval:
    keyword_only = snapshot.keyword_only
    chosen: Mode = mode or ("bm25" if keyword_only else "hybrid")
    if keyword_only and chosen == "dense":
        raise SearchModeError(
            "the active snapshot is keyword-only (ingested with DOCMIND_EMBED=off): use --mode bm25 or hybrid"
        )
    if keyword_only:
        chosen = "bm25"
    if not query.strip():
        return Retrieval(chosen, keyword_only, [], snapshot.snapshot_id, warning)
    k = max(1, k)
    pool = max(k * CANDIDATES_PER_HIT, MIN_CANDIDATES)
    index = snapshot.index
    vector, fallback = None, ""
    rankings: dict[str, list[tuple[tuple[int, int], float]]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="docmind-query-vector") as embedding:
        # The query's vector (a model to load in a fresh process) is made while BM25 ranks. The
        # embedder's modules are imported here, not with this module: BM25 alone loads none of them.
        pending = None
        if chosen != "bm25":
            from docmind.search.query_vector import query_vector

            assert snapshot.spec is not None  # not keyword-only: the snapshot has vectors
            pending = embedding.submit(query_vector, snapshot.spec, query)
        if chosen != "dense":
            rankings["bm25"] = [((p, d), s) for p, d, s in index.bm25(query_terms(query), pool)]
        if pending is not None:
            from docmind.embed.spec import EmbedderUnavailableError

            try:
                vector = pending.result()
            except EmbedderUnavailableError as exc:
                if chosen == "dense":
                    raise SearchModeError(f"dense search cannot run: {exc} (bm25 and hybrid can)") from exc
                chosen, fallback = "bm25", str(exc)
    if vector is not None:
        rankings["dense"] = [((p, d), s) for p, d, s in index.dense(vector, pool)]
    found = [
        Found(index.record(*f.item), f.score, f.sources, f.relevance, dict(f.scores))
        for f in fuse(rankings, fusion)[:k]
    ]
    return Retrieval(chosen, keyword_only, found, snapshot.snapshot_id, warning, fallback)


def available_modes(store: SnapshotStore) -> tuple[tuple[Mode, ...], str]:
    """The modes a search of the active snapshot can run, and one line saying why the others cannot.

    A snapshot with vectors (or no snapshot yet: a search then says there is none) can run every
    mode, and the line is empty; a keyword-only snapshot runs ``bm25`` only (``KEYWORD_ONLY``).
    That a snapshot's embedder is gone is only found when a query is embedded (``fallback``).
    """
    try:
        snapshot, _ = _open_active(store)
    except NoSnapshotError:
        return MODES, ""
    return (("bm25",), KEYWORD_ONLY) if snapshot.keyword_only else (MODES, "")


def _open_active(store: SnapshotStore) -> tuple[LoadedSnapshot, str | None]:
    """The active snapshot opened for search, retrying when a writer switches it meanwhile."""
    for _ in range(_OPEN_RETRIES):
        current = store.current()
        if current is None:
            raise NoSnapshotError("there is no index yet: ingest some documents first")
        try:
            return loaded_snapshot(store, current.id), None
        except SnapshotNotFoundError:
            continue  # retention removed it after CURRENT moved on: read CURRENT again
        except SegmentDamagedError as exc:
            return _after_damage(store, current.id, exc)
    raise NoSnapshotError("the active snapshot kept changing while it was opened; search again")


def _after_damage(store: SnapshotStore, damaged: str, exc: SegmentDamagedError) -> tuple[LoadedSnapshot, str]:
    """Report the damage, move CURRENT off it if no writer is busy, answer from the newest sound snapshot."""
    # A busy writer is publishing (CURRENT moves on anyway); a read error leaves CURRENT to a later repair.
    with contextlib.suppress(WriterBusyError, OSError):
        store.fall_back_from(damaged, f"{exc.path} {exc.reason}")
    for info in store.list():
        if info.id == damaged:
            continue
        try:
            snapshot = loaded_snapshot(store, info.id)
        except (SegmentDamagedError, SnapshotError, OSError):
            continue
        return snapshot, f"snapshot {damaged} is damaged ({exc.path} {exc.reason}): answered from {info.id}"
    raise NoSnapshotError(
        f"snapshot {damaged} is damaged ({exc.path} {exc.reason}) and no other snapshot verifies"
    )


def _hit(found: Found, query: str) -> SearchHit:
    label = str(found.record.get("page") or "")
    return SearchHit(
        file=str(found.record.get("file", "")),
        page=int(label) if label.isdigit() else None,
        score=round(found.score, 4),
        relevance=round(100 * found.relevance),
        scores={name: round(score, 4) for name, score in found.scores.items()},
        excerpt=best_passage(found.text, query, width=EXCERPT_CHARS),
        retrievers=list(found.retrievers),
    )
