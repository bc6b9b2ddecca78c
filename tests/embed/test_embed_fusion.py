"""Reciprocal-rank fusion: agreement wins, each candidate says which rankings held it."""

from docmind.search.fusion import RRF_K, reciprocal_rank_fusion


def test_fusion_rewards_candidates_both_rankings_hold() -> None:
    fused = reciprocal_rank_fusion({"bm25": [1, 2, 3], "dense": [3, 4, 1]})
    assert [f.item for f in fused] == [1, 3, 2, 4]
    assert fused[0].sources == ("bm25", "dense") and fused[2].sources == ("bm25",)
    assert fused[0].score == 1 / (RRF_K + 1) + 1 / (RRF_K + 3)


def test_fusion_of_one_ranking_keeps_its_order() -> None:
    assert [f.item for f in reciprocal_rank_fusion({"bm25": [5, 2, 9]})] == [5, 2, 9]
    assert reciprocal_rank_fusion({"bm25": [], "dense": []}) == []
