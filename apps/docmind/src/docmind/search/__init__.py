"""Search over the active snapshot: BM25, dense vectors, or both fused (``docmind.search.engine``)."""

from docmind.search.engine import (
    KEYWORD_ONLY,
    MODES,
    Found,
    Mode,
    Retrieval,
    SearchResult,
    available_modes,
    retrieve,
    search,
)
from docmind.search.fusion import FUSIONS, Fusion
from docmind.search.hits import NoSnapshotError, SearchHit, SearchModeError

__all__ = [
    "FUSIONS",
    "KEYWORD_ONLY",
    "MODES",
    "Found",
    "Fusion",
    "Mode",
    "NoSnapshotError",
    "Retrieval",
    "SearchHit",
    "SearchModeError",
    "SearchResult",
    "available_modes",
    "retrieve",
    "search",
]
