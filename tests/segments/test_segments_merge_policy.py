"""The tiered merge policy: bounded segment counts, like-sized merges, no big rewrite for small changes."""

from __future__ import annotations

from docmind.segments.manifest import SegmentEntry
from docmind.segments.merge_policy import (
    MAX_MERGED_DOCS,
    MERGE_AT_ONCE,
    SEGMENTS_PER_TIER,
    pick_merges,
)


def _entry(name: str, docs: int, deleted: int = 0) -> SegmentEntry:
    return SegmentEntry(name=name, docs=docs, deleted=deleted, live_len=docs * 100)


def _apply(
    segments: list[SegmentEntry], merges: list[list[str]], step: int
) -> tuple[list[SegmentEntry], int]:
    """The segments after the merges (each into one new segment), and how many chunks they rewrote."""
    by_name = {s.name: s for s in segments}
    merged = {name for group in merges for name in group}
    kept = [s for s in segments if s.name not in merged]
    rewritten = 0
    for number, group in enumerate(merges):
        live = sum(by_name[name].live_docs for name in group)
        rewritten += live
        kept.append(_entry(f"merged-{step}-{number}", live))
    return kept, rewritten


def test_many_small_segments_are_merged_into_fewer() -> None:
    segments = [_entry(f"small-{n}", 40) for n in range(SEGMENTS_PER_TIER + 1)]
    merges = pick_merges(segments)
    assert merges and all(2 <= len(group) <= MERGE_AT_ONCE for group in merges)
    left, _ = _apply(segments, merges, 0)
    assert len(left) <= SEGMENTS_PER_TIER


def test_a_big_segment_is_not_rewritten_to_absorb_small_ones() -> None:
    cold = [_entry("a", 20_000), _entry("b", 17_630), _entry("c", 20_000), _entry("d", 17_907)]
    small = [_entry(f"small-{n}", 40) for n in range(SEGMENTS_PER_TIER - 1)]
    merges = pick_merges(cold + small)
    assert merges == [[s.name for s in small]]  # 17,630 chunks shared a tier with them: left alone


def test_one_file_changes_rewrite_little_and_keep_the_count_bounded() -> None:
    segments = [_entry("a", 20_000), _entry("b", 17_630), _entry("c", 20_000), _entry("d", 17_907)]
    rewritten = 0
    for step in range(200):  # two hundred one-file changes, each a new segment of 40 chunks
        segments.append(_entry(f"new-{step}", 40))
        segments, cost = _apply(segments, pick_merges(segments), step)
        rewritten += cost
        assert len(segments) <= 4 + 2 * SEGMENTS_PER_TIER
    assert rewritten <= 200 * 40 * 4  # each new chunk rewritten a few times, the cold segments never


def test_merges_take_like_sized_segments_up_to_the_bound() -> None:
    segments = [_entry(f"mid-{n}", 15_000) for n in range(SEGMENTS_PER_TIER + 1)]
    for group in pick_merges(segments):
        assert sum(15_000 for _ in group) <= MAX_MERGED_DOCS and len(group) >= 2


def test_a_mostly_deleted_segment_is_rewritten() -> None:
    assert pick_merges([_entry("a", 10_000, deleted=5_000), _entry("b", 10_000)]) == [["a"]]
