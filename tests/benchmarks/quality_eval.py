"""Judging rankings against the labelled questions: recall@5, MRR@5, folds and the tuning of a weight.

Pure functions over the candidates each question got (no index, no model), so that every fusion
and every weight is judged on the same candidate lists the product fuses:

- ``Candidates``: a question's BM25 and dense candidate lists (chunk id, raw score, file), best first,
  as ``docmind search`` takes them for a hybrid search of 5 hits (``MIN_CANDIDATES`` each).
- ``stratified_folds``: k folds with every kind of question spread over them (seeded).
- ``tune_weight``: the dense weight of the convex fusion that maximises MRR@5 on some questions,
  the middle of the best plateau when several weights tie (a grid of ``WEIGHT_STEP``).
- ``RESCALINGS``: the shipped distribution-based rescaling and, for comparison, min-max.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from docmind.search.fusion import Fusion, convex_fusion, distribution, fuse

from tests.benchmarks.questions import Question

TOP_K = 5
WEIGHT_STEP = 0.05
WEIGHT_GRID = tuple(round(i * WEIGHT_STEP, 2) for i in range(round(1 / WEIGHT_STEP) + 1))
Scored = tuple[str, float, str]
"""A candidate: chunk id, raw score, file."""
Rescale = Callable[[Sequence[float]], list[float]]


def min_max(scores: Sequence[float]) -> list[float]:
    """Min-max rescaling (the best 1, the weakest 0; all 1 without spread): the usual alternative."""
    if not scores:
        return []
    low, high = min(scores), max(scores)
    return [1.0] * len(scores) if high == low else [(score - low) / (high - low) for score in scores]


RESCALINGS: dict[str, Rescale] = {"distribution (shipped)": distribution, "min-max": min_max}


@dataclass(frozen=True)
class Candidates:
    """One question's candidate lists by retriever (``bm25``, ``dense``), best first."""

    lists: Mapping[str, Sequence[Scored]]

    def top_files(
        self, mode: str, fusion: Fusion = "convex", dense_weight: float = 0.5, rescale: Rescale = distribution
    ) -> list[str]:
        """The files of the top 5 of ``mode`` (``bm25``, ``dense`` or ``hybrid`` fused so).

        The shipped rescaling goes through ``fuse``, exactly as a search does; another one through
        ``convex_fusion`` with that rescaling.
        """
        if mode != "hybrid":
            return [file for _, _, file in self.lists[mode][:TOP_K]]
        files = {chunk: file for ranking in self.lists.values() for chunk, _, file in ranking}
        rankings = {
            name: [(chunk, score) for chunk, score, _ in ranking] for name, ranking in self.lists.items()
        }
        weights = {"bm25": 1 - dense_weight, "dense": dense_weight}
        if fusion == "convex" and rescale is not distribution:
            fused = convex_fusion(rankings, weights, rescale)
        else:
            fused = fuse(rankings, fusion, weights)
        return [files[f.item] for f in fused[:TOP_K]]


@dataclass(frozen=True)
class Score:
    """Recall@5 and MRR@5 of some questions."""

    questions: int
    found: int
    mrr: float

    @property
    def recall(self) -> float:
        """Share of the questions with a right document in the top 5."""
        return self.found / self.questions if self.questions else float("nan")


def score(questions: Sequence[Question], top: Callable[[Question], list[str]]) -> Score:
    """Judge the top 5 files ``top`` gives each question."""
    ranks = [q.first_rank(top(q)) for q in questions]
    found = [r for r in ranks if r is not None]
    mrr = sum(1 / r for r in found) / len(questions) if questions else float("nan")
    return Score(len(questions), len(found), mrr)


def stratified_folds(questions: Sequence[Question], k: int, seed: int) -> list[list[Question]]:
    """Split ``questions`` into ``k`` folds, each kind dealt round-robin after a seeded shuffle."""
    rng = random.Random(seed)
    folds: list[list[Question]] = [[] for _ in range(k)]
    dealt = 0
    for kind in sorted({q.kind for q in questions}):
        group = [q for q in questions if q.kind == kind]
        rng.shuffle(group)
        for question in group:
            folds[dealt % k].append(question)
            dealt += 1
    return folds


def tune_weight(
    questions: Sequence[Question],
    candidates: Mapping[str, Candidates],
    rescale: Rescale = distribution,
    grid: Iterable[float] = WEIGHT_GRID,
) -> tuple[float, dict[float, float]]:
    """The dense weight with the best MRR@5 on ``questions`` and the MRR@5 of every weight tried.

    Ties (a plateau of equal MRR) resolve to the middle weight of the widest best plateau.
    """
    curve = {
        w: score(questions, lambda q, w=w: candidates[q.id].top_files("hybrid", "convex", w, rescale)).mrr
        for w in grid
    }
    best = max(curve.values())
    weights = list(curve)
    plateaus: list[list[float]] = []
    for w in weights:
        if abs(curve[w] - best) > 1e-12:
            continue
        if plateaus and weights.index(plateaus[-1][-1]) == weights.index(w) - 1:
            plateaus[-1].append(w)
        else:
            plateaus.append([w])
    widest = max(plateaus, key=len)
    return widest[len(widest) // 2], curve
