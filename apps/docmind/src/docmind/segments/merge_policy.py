"""Which segments to merge, in the manner of Lucene's ``TieredMergePolicy``.

Segments are grouped in size tiers (a tier spans a factor of ``TIER_FACTOR`` in live chunks, from
``FLOOR_DOCS`` up); when a tier holds more than ``SEGMENTS_PER_TIER`` segments, up to
``MERGE_AT_ONCE`` of its smallest are merged into one. A merge takes segments of like size only, as
Lucene's policy prefers merges of low skew: taken smallest first, a segment joins only while it holds
at most ``MAX_SKEW`` times the chunks of those before it, so a big segment is never rewritten to absorb
a few small ones; the smallest segments that can form such a merge are merged. Small segments then
merge like the digits of a counter: each chunk is rewritten a few times (about five times in 2,000
one-file changes of 40 chunks over a cold index of four large segments), and a big segment only
together with others of its size. A segment whose chunks are more than ``MAX_DELETED_FRACTION``
deleted is rewritten too (its deleted chunks stop costing disk and time). Merges never make a segment
above ``MAX_MERGED_DOCS`` live chunks. The number of segments therefore stays about
``SEGMENTS_PER_TIER`` per factor of ten in corpus size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from docmind.segments.manifest import SegmentEntry

FLOOR_DOCS = 2_000
TIER_FACTOR = 10
SEGMENTS_PER_TIER = 8
MERGE_AT_ONCE = 8
MAX_DELETED_FRACTION = 0.4
MAX_MERGED_DOCS = 100_000
MAX_SKEW = 2


def _tier(entry: SegmentEntry) -> int:
    return int(math.log(max(entry.live_docs, FLOOR_DOCS) / FLOOR_DOCS, TIER_FACTOR))


def pick_merges(segments: Sequence[SegmentEntry]) -> list[list[str]]:
    """The merges to run now: groups of segment names, each merged into one new segment.

    A group never mixes in a segment of another group; an empty result means the index is in shape.
    """
    merges: list[list[str]] = []
    taken: set[str] = set()
    tiers: dict[int, list[SegmentEntry]] = {}
    for entry in segments:
        tiers.setdefault(_tier(entry), []).append(entry)
    for tier in sorted(tiers):
        members = sorted(tiers[tier], key=lambda e: (e.live_docs, e.name))
        while len(members) > SEGMENTS_PER_TIER:
            starts = (_like_sized(members[start:]) for start in range(len(members)))
            group = next((candidate for candidate in starts if len(candidate) >= 2), [])
            if not group:
                break
            merges.append([e.name for e in group])
            taken.update(e.name for e in group)
            members = [e for e in members if e.name not in taken]
    for entry in segments:
        if entry.name not in taken and entry.docs and entry.deleted / entry.docs > MAX_DELETED_FRACTION:
            merges.append([entry.name])
            taken.add(entry.name)
    return merges


def _like_sized(members: Sequence[SegmentEntry]) -> list[SegmentEntry]:
    """The merge that starts at the first of ``members`` (sorted by size): see the module docstring."""
    group: list[SegmentEntry] = []
    total = 0
    for entry in members:
        if len(group) == MERGE_AT_ONCE or total + entry.live_docs > MAX_MERGED_DOCS:
            break
        if group and entry.live_docs > MAX_SKEW * total:
            break
        group.append(entry)
        total += entry.live_docs
    return group


def force_merges(segments: Sequence[SegmentEntry]) -> list[list[str]]:
    """Merge everything now (``docmind optimize``): as few segments as ``MAX_MERGED_DOCS`` allows.

    Segments are packed in order into groups of at most ``MAX_MERGED_DOCS`` live chunks; a group of
    one is rewritten only when it holds deleted chunks. An empty result means nothing would change.
    """
    groups: list[list[SegmentEntry]] = [[]]
    for entry in segments:
        if groups[-1] and sum(e.live_docs for e in groups[-1]) + entry.live_docs > MAX_MERGED_DOCS:
            groups.append([])
        groups[-1].append(entry)
    return [[e.name for e in group] for group in groups if len(group) > 1 or (group and group[0].deleted)]
