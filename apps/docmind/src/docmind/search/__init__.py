"""Search over the active snapshot: BM25, dense vectors, or both fused (``docmind.search.engine``)."""

from docmind.search.engine import MODES, Found, Mode, Retrieval, SearchResult, retrieve, search
from docmind.search.hits import NoSnapshotError, SearchHit, SearchModeError

__all__ = [
    "MODES",
    "Found",
    "Mode",
    "NoSnapshotError",
    "Retrieval",
    "SearchHit",
    "SearchModeError",
    "SearchResult",
    "retrieve",
    "search",
]
