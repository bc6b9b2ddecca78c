"""Dense search over every segment: the nearest windows per segment, each chunk scored by its best window.

Each segment holds an inner-product FAISS index of unit vectors (scores are cosine similarities):
exact, or approximate for a large segment (``docmind.segments.vectors``). A query asks each segment
for its best windows, leaving out the windows of deleted chunks (a FAISS ID selector), keeps each
chunk's best window and merges the segments' candidates: with exact indexes, the same chunks and
scores as one index over the live windows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from docmind.segments.bm25 import LivePart
from docmind.segments.vectors import search_parameters

WINDOWS_PER_CHUNK = 4
"""Windows asked for per wanted chunk (a chunk has several windows; its best one ranks it)."""


def dense_top_k(parts: Sequence[LivePart], vector: np.ndarray, k: int) -> list[tuple[int, int, float]]:
    """The ``k`` chunks whose best window is nearest to ``vector``: (part, chunk, cosine), best first.

    Ties keep snapshot order (part, then chunk).
    """
    import faiss

    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    best: dict[tuple[int, int], float] = {}
    for position, part in enumerate(parts):
        if not part.reader.meta.windows:
            continue
        index, parents = part.reader.vectors()
        wanted = min(k * WINDOWS_PER_CHUNK, index.ntotal)
        selector = None
        if part.live is not None:
            allowed = part.live[parents]
            wanted = min(wanted, int(allowed.sum()))
            if wanted == 0:
                continue
            bitmap = np.packbits(allowed, bitorder="little")  # alive while the search runs
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        params = search_parameters(index, selector)
        similarities, rows = index.search(query, wanted, params=params)  # pyright: ignore[reportCallIssue]
        for row, similarity in zip(rows[0], similarities[0], strict=True):
            if row < 0:
                continue
            key = (position, int(parents[row]))
            if key not in best:  # rows come best first: the first is the chunk's best window
                best[key] = float(similarity)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return [(part, doc, score) for (part, doc), score in ranked[:k]]
