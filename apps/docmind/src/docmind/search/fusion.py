"""Reciprocal-rank fusion: one ranking from several, each candidate scored by ``Σ 1 / (k + rank)``.

RRF needs no score calibration between BM25 (unbounded) and cosine similarity (-1..1), which is why
it is the default fusion of hybrid search systems; ``k = 60`` is the constant of the original paper
(Cormack, Clarke and Büttcher, 2009).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

RRF_K = 60
Item = TypeVar("Item", bound=Hashable)


@dataclass(frozen=True)
class Fused(Generic[Item]):
    """A candidate after fusion: its id, fused score and the rankings it appeared in."""

    item: Item
    score: float
    sources: tuple[str, ...]


def reciprocal_rank_fusion(rankings: Mapping[str, Sequence[Item]], k: int = RRF_K) -> list[Fused[Item]]:
    """Fuse ``rankings`` (name → ids, best first); ties keep the order of first appearance."""
    scores: dict[Item, float] = {}
    sources: dict[Item, list[str]] = {}
    for name, ranking in rankings.items():
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            sources.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda item: -scores[item])
    return [Fused(item, scores[item], tuple(sources[item])) for item in order]
