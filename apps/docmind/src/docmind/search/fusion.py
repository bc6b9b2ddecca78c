"""One ranking from the scored candidates of several retrievers, each with a relevance from 0 to 1.

Two fusions (``FUSIONS``, chosen by ``DOCMIND_FUSION``):

- ``convex`` (the default): each retriever's scores are rescaled by where they stand among its own
  candidates (``distribution``: the mean 0.5, three standard deviations above it 1, below it 0,
  clipped; a list without spread, such as one candidate, all 1) and the rescaled scores are added
  with a weight per retriever (``WEIGHTS``, summing to 1). A candidate a retriever did not find gets
  0 from it. Bruch, Gai and Ingber ("An Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS
  2023) find a convex combination of normalised scores better than reciprocal-rank fusion in and
  out of domain, with its one weight learnable from few labelled queries; the distribution-based
  rescaling is Qdrant's DBSF. Both the rescaling and the dense weight were chosen by 5-fold
  cross-validation on the benchmark's labelled questions (ADR-063), against min-max rescaling
  among others. The fused score is the relevance.
- ``rrf``: reciprocal-rank fusion, ``Σ 1 / (RRF_K + rank)`` (Cormack, Clarke and Büttcher, 2009),
  which ignores the scores; its relevance is the fused score over the best it could be (first in
  every ranking).

A single ranking (the ``bm25`` or ``dense`` mode) keeps its order and raw scores; its relevance is
its scores rescaled as ``convex`` rescales them before it adds them.
Ties keep the order of first appearance (the first ranking given, then the next).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

Fusion = Literal["convex", "rrf"]
FUSIONS: tuple[Fusion, ...] = ("convex", "rrf")
DENSE_WEIGHT = 0.55
SPREAD = 3.0
WEIGHTS: Mapping[str, float] = {"bm25": 1 - DENSE_WEIGHT, "dense": DENSE_WEIGHT}
RRF_K = 60
Item = TypeVar("Item", bound=Hashable)


@dataclass(frozen=True)
class Fused(Generic[Item]):
    """A candidate after fusion.

    Attributes:
        item: The candidate's id.
        score: The fused score (a single ranking's raw score when only one was given).
        sources: The rankings it appeared in, in the order they were given.
        relevance: 0 to 1, the score on a scale a person reads (see the module docstring).
        scores: Its raw score in each ranking it appeared in.
    """

    item: Item
    score: float
    sources: tuple[str, ...]
    relevance: float = 0.0
    scores: Mapping[str, float] = field(default_factory=dict)


def distribution(scores: Sequence[float]) -> list[float]:
    """``scores`` placed on 0..1 by where they stand among themselves: ``(s − (μ − 3σ)) / 6σ``, clipped.

    μ and σ are the mean and (population) standard deviation of ``scores``: the average candidate
    gets 0.5, ``SPREAD`` (3) standard deviations above it 1. Without spread (one score, or equal
    ones) every score gets 1: the retriever cannot tell them apart, and each is its best.
    """
    if not scores:
        return []
    spread = statistics.pstdev(scores)
    if spread == 0:
        return [1.0] * len(scores)
    low = statistics.fmean(scores) - SPREAD * spread
    return [min(1.0, max(0.0, (score - low) / (2 * SPREAD * spread))) for score in scores]


def fuse(
    rankings: Mapping[str, Sequence[tuple[Item, float]]],
    fusion: Fusion = "convex",
    weights: Mapping[str, float] = WEIGHTS,
) -> list[Fused[Item]]:
    """Rank the candidates of ``rankings`` (retriever name → (id, score) pairs, best first), best first.

    One ranking keeps its order (its relevance rescaled by ``distribution``); several are fused by
    ``fusion``. ``weights`` name a weight for every ranking ``convex`` fuses.
    """
    if len(rankings) == 1:
        [(name, ranking)] = rankings.items()
        rescaled = distribution([score for _, score in ranking])
        return [
            Fused(item, score, (name,), relevance, {name: score})
            for (item, score), relevance in zip(ranking, rescaled, strict=True)
        ]
    if fusion == "rrf":
        return reciprocal_rank_fusion(rankings)
    return convex_fusion(rankings, weights)


def convex_fusion(
    rankings: Mapping[str, Sequence[tuple[Item, float]]],
    weights: Mapping[str, float],
    rescale: Callable[[Sequence[float]], list[float]] = distribution,
) -> list[Fused[Item]]:
    """Fuse by the weighted sum of each ranking's rescaled scores (0 from a ranking that lacks a candidate).

    ``rescale`` maps one ranking's scores to 0..1 (the benchmark measures others beside ``distribution``).
    """
    fused: dict[Item, float] = {}
    raw: dict[Item, dict[str, float]] = {}
    for name, ranking in rankings.items():
        rescaled = rescale([score for _, score in ranking])
        for (item, score), part in zip(ranking, rescaled, strict=True):
            fused[item] = fused.get(item, 0.0) + weights[name] * part
            raw.setdefault(item, {})[name] = score
    return _ranked(fused, raw, lambda score: score)


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[tuple[Item, float]]], k: int = RRF_K
) -> list[Fused[Item]]:
    """Fuse by ``Σ 1 / (k + rank)`` over the rankings each candidate appears in (its scores unused)."""
    fused: dict[Item, float] = {}
    raw: dict[Item, dict[str, float]] = {}
    for name, ranking in rankings.items():
        for rank, (item, score) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
            raw.setdefault(item, {})[name] = score
    best = len(rankings) / (k + 1)
    return _ranked(fused, raw, lambda score: score / best)


def _ranked(
    fused: dict[Item, float], raw: dict[Item, dict[str, float]], relevance: Callable[[float], float]
) -> list[Fused[Item]]:
    order = sorted(fused, key=lambda item: -fused[item])
    return [
        Fused(item, fused[item], tuple(raw[item]), min(1.0, relevance(fused[item])), raw[item])
        for item in order
    ]
