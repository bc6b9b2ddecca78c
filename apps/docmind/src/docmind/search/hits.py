"""What a search returns: hits with file, page, score, relevance, excerpt and the retrievers behind them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

EXCERPT_CHARS = 300


class SearchHit(BaseModel):
    """One search result.

    Attributes:
        file: The document's path relative to its source.
        page: The 1-based PDF page number, ``None`` for formats without pages.
        score: The raw ranking score: the BM25 score (``bm25``), the cosine similarity (``dense``) or
            the fused score (``hybrid``: 0 to 1 with the default ``convex`` fusion, ``Σ 1/(60 + rank)``
            with ``rrf``).
        relevance: The score as a person reads it, 0 to 100 (``docmind.search.fusion``): how far
            above the other candidates of this search the hit stands, in every retriever that ran
            (50: an average candidate; 100: three standard deviations above the average in each).
            It compares hits of one search, not of two.
        scores: The raw score of each retriever that found this chunk (``bm25``, ``dense``).
        excerpt: Plain text of the chunk's passage that best matches the query (``docmind.search.excerpts``),
            about ``EXCERPT_CHARS`` characters.
        retrievers: Which retrievers ranked this chunk in their candidates (``bm25``, ``dense``).
    """

    model_config = ConfigDict(frozen=True)

    file: str
    page: int | None
    score: float
    relevance: int
    excerpt: str
    retrievers: list[str]
    scores: dict[str, float]


class NoSnapshotError(Exception):
    """There is no active snapshot to search yet."""


class SearchModeError(Exception):
    """The requested mode cannot run on the active snapshot (dense search of a keyword-only one)."""
