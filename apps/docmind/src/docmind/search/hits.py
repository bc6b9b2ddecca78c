"""What a search returns: hits with file, page, score, excerpt and the retrievers that found them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

EXCERPT_CHARS = 300


class SearchHit(BaseModel):
    """One search result.

    Attributes:
        file: The document's path relative to its source.
        page: The 1-based PDF page number, ``None`` for formats without pages.
        score: The ranking score: BM25 score (``bm25``), cosine similarity (``dense``) or the
            reciprocal-rank-fusion score (``hybrid``).
        excerpt: Plain text of the chunk, shortened to about ``EXCERPT_CHARS`` characters.
        retrievers: Which retrievers ranked this chunk in their candidates (``bm25``, ``dense``).
    """

    model_config = ConfigDict(frozen=True)

    file: str
    page: int | None
    score: float
    excerpt: str
    retrievers: list[str]


class NoSnapshotError(Exception):
    """There is no active snapshot to search yet."""


class SearchModeError(Exception):
    """The requested mode cannot run on the active snapshot (dense search of a keyword-only one)."""


def excerpt_of(text: str) -> str:
    """The chunk's text on one line, cut at ``EXCERPT_CHARS`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"
