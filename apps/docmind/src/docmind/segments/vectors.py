"""A segment's vector index: exact while small, approximate (IVF) above ``APPROX_MIN_WINDOWS``.

Below the threshold a segment holds a flat inner-product index (exact: a query scans every
window, about 36 ms per 100k windows of 384 dims on two cores). Above it, an IVF index: the
windows are clustered into about ``4 · √n`` lists (k-means on a sample) and a query scans the
``NPROBE`` lists nearest to it; the benchmark group ``vectors`` reports its recall@10 against an
exact search. Both are written with FAISS's own format and memory-mapped read-only for search.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

APPROX_MIN_WINDOWS = 200_000
"""Segments with at least this many windows get an approximate (IVF) index."""
NPROBE = 64
"""Lists an approximate search scans (of about 4 · √n)."""
_TRAIN_PER_LIST = 40


def vector_index(matrix: np.ndarray) -> Any:
    """The FAISS index of ``matrix`` (one unit vector per row; scores are cosine similarities)."""
    import faiss

    rows, dims = matrix.shape
    if rows < APPROX_MIN_WINDOWS:
        index = faiss.IndexFlatIP(dims)
        index.add(matrix)  # pyright: ignore[reportCallIssue]
        return index
    lists = int(4 * math.sqrt(rows))
    quantizer = faiss.IndexFlatIP(dims)
    index = faiss.IndexIVFFlat(quantizer, dims, lists, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(rows, min(rows, lists * _TRAIN_PER_LIST), replace=False)
    index.train(np.ascontiguousarray(matrix[np.sort(sample)]))  # pyright: ignore[reportCallIssue]
    index.add(matrix)  # pyright: ignore[reportCallIssue]
    return index


def search_parameters(index: Any, selector: Any | None) -> Any | None:
    """The search parameters for ``index``: the ID selector, and the lists to scan for an IVF index."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=min(NPROBE, index.nlist))  # pyright: ignore[reportCallIssue]
    if selector is None:
        return None
    return faiss.SearchParameters(sel=selector)  # pyright: ignore[reportCallIssue]


def stored_vectors(index: Any) -> np.ndarray:
    """Every vector of a segment's index, by row, without copying a flat index's (mapped) storage."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.empty((0, index.d), np.float32)
    return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(-1, index.d)
