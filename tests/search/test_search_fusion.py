"""Fusion: the distribution-based rescaling and its edge cases, the convex combination, reciprocal rank."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from itertools import pairwise

import pytest
from docmind.search.fusion import (
    DENSE_WEIGHT,
    RRF_K,
    WEIGHTS,
    convex_fusion,
    distribution,
    fuse,
    reciprocal_rank_fusion,
)
from hypothesis import given
from hypothesis import strategies as st


def test_distribution_puts_the_mean_at_one_half_and_three_deviations_at_the_ends() -> None:
    assert distribution([1.0, 2.0, 3.0])[1] == pytest.approx(0.5)
    spread = statistics.pstdev([1.0, 2.0, 3.0, 4.0, 5.0])
    assert distribution([5.0, 4.0, 3.0, 2.0, 1.0])[0] == pytest.approx(0.5 + 2 / (6 * spread))
    assert distribution([8.0, 2.0]) == [pytest.approx(2 / 3), pytest.approx(1 / 3)]


def test_distribution_clips_outliers_beyond_three_deviations() -> None:
    high = distribution([100.0] + [1.0] * 19)
    assert high[0] == 1.0 and all(0 < r < 0.5 for r in high[1:])
    low = distribution([100.0] * 19 + [0.0])
    assert low[-1] == 0.0 and all(0.5 < r < 1 for r in low[:-1])


def test_distribution_of_one_candidate_or_equal_scores_is_all_ones_and_of_none_is_empty() -> None:
    assert distribution([4.2]) == [1.0]
    assert distribution([0.3, 0.3, 0.3]) == [1.0, 1.0, 1.0]
    assert distribution([]) == []


def test_weights_are_the_dense_weight_and_its_complement() -> None:
    assert WEIGHTS["dense"] == DENSE_WEIGHT and WEIGHTS["bm25"] == pytest.approx(1 - DENSE_WEIGHT)
    assert 0 < DENSE_WEIGHT < 1


def test_convex_fusion_adds_weighted_rescaled_scores_and_a_missing_candidate_gets_zero() -> None:
    weights = {"bm25": 0.4, "dense": 0.6}
    bm25 = [("a", 9.0), ("b", 5.0), ("c", 1.0)]
    dense = [("c", 0.8), ("d", 0.4)]
    a, b, c = distribution([9.0, 5.0, 1.0])
    c_dense, d = distribution([0.8, 0.4])
    fused = convex_fusion({"bm25": bm25, "dense": dense}, weights)
    assert {f.item: f.score for f in fused} == {
        "a": pytest.approx(0.4 * a),  # absent from dense
        "b": pytest.approx(0.4 * b),
        "c": pytest.approx(0.4 * c + 0.6 * c_dense),
        "d": pytest.approx(0.6 * d),  # absent from bm25
    }
    assert [f.item for f in fused] == ["c", "a", "b", "d"]  # b and d both 0.2: first appearance first
    assert fused[0].sources == ("bm25", "dense") and fused[0].scores == {"bm25": 1.0, "dense": 0.8}
    assert fused[0].relevance == pytest.approx(fused[0].score)


def test_convex_fusion_takes_another_rescaling_when_given_one() -> None:
    def by_rank(scores: Sequence[float]) -> list[float]:
        return [1.0 / rank for rank in range(1, len(scores) + 1)]

    fused = convex_fusion({"bm25": [("a", 50.0), ("b", 49.0)], "dense": [("b", 0.9)]}, WEIGHTS, by_rank)
    assert {f.item: f.score for f in fused} == {
        "a": pytest.approx(1 - DENSE_WEIGHT),
        "b": pytest.approx((1 - DENSE_WEIGHT) / 2 + DENSE_WEIGHT),
    }


def test_agreement_wins() -> None:
    fused = fuse(
        {"bm25": [("x", 20.0), ("y", 10.0), ("w", 9.0)], "dense": [("z", 0.71), ("x", 0.7), ("v", 0.2)]}
    )
    assert fused[0].item == "x" and fused[0].sources == ("bm25", "dense")


def test_a_retriever_with_no_candidates_leaves_the_others_order() -> None:
    fused = fuse({"bm25": [], "dense": [("p", 0.71), ("q", 0.65), ("r", 0.40)]})
    assert [f.item for f in fused] == ["p", "q", "r"]
    assert [f.sources for f in fused] == [("dense",)] * 3
    rescaled = distribution([0.71, 0.65, 0.40])
    assert [f.relevance for f in fused] == [pytest.approx(DENSE_WEIGHT * r) for r in rescaled]
    assert fuse({"bm25": [], "dense": []}) == []


def test_one_candidate_or_equal_scores_in_a_list_count_as_its_best() -> None:
    [only] = fuse({"bm25": [("solo", 3.3)], "dense": []})
    assert only.relevance == pytest.approx(1 - DENSE_WEIGHT)
    tied = fuse({"bm25": [("a", 2.0), ("b", 2.0)], "dense": [("b", 0.5), ("a", 0.5)]})
    assert [f.item for f in tied] == ["a", "b"]  # equal fused scores keep the order of first appearance
    assert [f.relevance for f in tied] == [pytest.approx(1.0), pytest.approx(1.0)]


def test_a_single_ranking_keeps_its_order_and_raw_scores_with_a_rescaled_relevance() -> None:
    fused = fuse({"bm25": [("a", 8.0), ("b", 6.0), ("c", 4.0)]})
    assert [(f.item, f.score, f.sources) for f in fused] == [
        ("a", 8.0, ("bm25",)),
        ("b", 6.0, ("bm25",)),
        ("c", 4.0, ("bm25",)),
    ]
    assert [f.relevance for f in fused] == distribution([8.0, 6.0, 4.0])
    assert fused[1].relevance == pytest.approx(0.5)
    assert fuse({"dense": [("a", 0.2)]})[0].relevance == 1.0


def test_reciprocal_rank_fusion_ignores_scores_and_first_in_both_is_relevance_one() -> None:
    fused = reciprocal_rank_fusion(
        {"bm25": [(1, 9.0), (2, 8.0), (3, 0.1)], "dense": [(3, 0.9), (4, 0.8), (1, 0.1)]}
    )
    assert [f.item for f in fused] == [1, 3, 2, 4]
    assert fused[0].sources == ("bm25", "dense") and fused[2].sources == ("bm25",)
    assert fused[0].score == 1 / (RRF_K + 1) + 1 / (RRF_K + 3)
    assert fuse({"bm25": [(1, 9.0)], "dense": [(1, 0.5)]}, "rrf")[0].relevance == pytest.approx(1.0)
    assert fuse({"bm25": [(5, 1.0), (2, 1.0)], "dense": []}, "rrf")[0].item == 5


scored = st.lists(
    st.tuples(st.integers(0, 30), st.floats(0, 50, allow_nan=False)), max_size=25, unique_by=lambda p: p[0]
)


@given(scored, scored, st.sampled_from(["convex", "rrf"]))
def test_any_fusion_ranks_each_candidate_once_best_first_with_relevance_in_0_1(
    bm25: list[tuple[int, float]], dense: list[tuple[int, float]], method: str
) -> None:
    rankings = {
        "bm25": sorted(bm25, key=lambda p: -p[1]),
        "dense": sorted(((i, s / 50) for i, s in dense), key=lambda p: -p[1]),
    }
    fused = fuse(rankings, "rrf" if method == "rrf" else "convex")
    assert sorted(f.item for f in fused) == sorted({i for i, _ in bm25} | {i for i, _ in dense})
    assert all(a.score >= b.score for a, b in pairwise(fused))
    assert all(0.0 <= f.relevance <= 1.0 for f in fused)
    assert all(set(f.sources) == set(f.scores) for f in fused)
