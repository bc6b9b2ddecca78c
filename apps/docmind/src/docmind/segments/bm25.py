"""BM25 over every segment of a snapshot, exactly as one ``bm25s`` index over the same live chunks.

LlamaIndex's ``BM25Retriever`` ranks with ``bm25s`` (method ``lucene``, ``k1 = 1.5``, ``b = 0.75``):
``idf = ln(1 + (N - df + 0.5) / (df + 0.5))`` and ``tfc = tf / (k1 · (1 - b + b · dl / avgdl) + tf)``
per (term, chunk), stored as float32, summed in float32 over the query's terms in their order
(a repeated term counts again; a term the corpus lacks counts nothing). Here the same numbers are
computed at query time from corpus-wide statistics over the live chunks — ``N`` and the summed
length from the index manifest, ``df`` summed over the segments' live postings — with the same
operations in the same order and precision, so scores are the same bits as a single index built
over the live chunks, however the index is split into segments and whatever it deleted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from docmind.segments.reader import SegmentReader

K1 = 1.5
B = 0.75


@dataclass(frozen=True)
class LivePart:
    """A segment as a search sees it: its reader and which of its chunks are live (``None``: all)."""

    reader: SegmentReader
    live: np.ndarray | None


@dataclass(frozen=True)
class PartScores:
    """The chunks of one segment (by position in the snapshot) that score above zero, and their scores."""

    part: int
    docs: np.ndarray
    scores: np.ndarray


def idf(df: int, n: int) -> np.float32:
    """``bm25s``'s Lucene idf, rounded to float32 as its idf array stores it."""
    return np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))


def bm25_scores(
    parts: Sequence[LivePart], terms: Sequence[str], live_docs: int, live_len: int
) -> list[PartScores]:
    """Score every live chunk holding a query term; see the module docstring for the formula.

    Args:
        parts: The snapshot's segments with their live masks.
        terms: The query's terms (``bm25_terms.query_terms``), repeats included, in order.
        live_docs: Chunks in the index (``N``).
        live_len: Their summed length (``N · avgdl``).
    """
    if live_docs == 0 or not terms:
        return []
    avgdl = np.float64(live_len) / np.float64(live_docs)
    contributions: dict[str, list[Postings | None]] = {}
    for term in dict.fromkeys(terms):
        per_part = [_live_postings(part, term) for part in parts]
        df = sum(len(found[0]) for found in per_part if found is not None)
        if df == 0:
            continue
        term_idf = idf(df, live_docs)
        contributions[term] = [
            None
            if found is None
            else (found[0], _term_scores(term_idf, found[1], part.reader.doc_lengths[found[0]], avgdl))
            for part, found in zip(parts, per_part, strict=True)
        ]
    results: list[PartScores] = []
    for position, part in enumerate(parts):
        scores: np.ndarray | None = None
        for term in terms:
            found = contributions.get(term, [None] * len(parts))[position]
            if found is None:
                continue
            if scores is None:
                scores = np.zeros(part.reader.docs, dtype=np.float32)
            scores[found[0]] += found[1]  # distinct chunks per term: plain indexed addition suffices
        if scores is not None:
            hit = np.flatnonzero(scores > 0)
            results.append(PartScores(position, hit, scores[hit]))
    return results


Postings = tuple[np.ndarray, np.ndarray]
"""Chunk numbers and a per-chunk value (term frequencies, or a term's scores)."""


def _live_postings(part: LivePart, term: str) -> Postings | None:
    """The live chunks of ``part`` holding ``term`` and its frequency in each (``None``: none)."""
    term_id = part.reader.term_id(term)
    if term_id is None:
        return None
    docs, tfs = part.reader.postings(term_id)
    if part.live is not None:
        keep = part.live[docs]
        docs, tfs = docs[keep], tfs[keep]
    return (docs, tfs) if len(docs) else None


def _term_scores(term_idf: np.float32, tfs: np.ndarray, lengths: np.ndarray, avgdl: np.float64) -> np.ndarray:
    """One term's float32 score in each chunk, computed as ``bm25s`` computes it (float64, then float32)."""
    tf = tfs.astype(np.float32)
    tfc = tf / (K1 * ((1 - B) + B * lengths.astype(np.float64) / avgdl) + tf)
    return (term_idf * tfc).astype(np.float32)


def top_k(results: Sequence[PartScores], k: int) -> list[tuple[int, int, float]]:
    """The ``k`` best (part, chunk, score), best first; ties keep snapshot order (part, then chunk)."""
    if not results or k <= 0:
        return []
    parts = np.concatenate([np.full(len(r.docs), r.part, dtype=np.int64) for r in results])
    docs = np.concatenate([r.docs.astype(np.int64) for r in results])
    scores = np.concatenate([r.scores for r in results])
    order = np.lexsort((docs, parts, -scores))[:k]
    return [(int(parts[i]), int(docs[i]), float(scores[i])) for i in order]
