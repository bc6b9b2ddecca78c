"""Search over the active snapshot: BM25, dense vectors, or both fused (``docmind.search.engine``)."""

from docmind.search.engine import MODES, SearchResult, search
from docmind.search.hits import NoSnapshotError, SearchHit, SearchModeError

__all__ = ["MODES", "NoSnapshotError", "SearchHit", "SearchModeError", "SearchResult", "search"]
