"""Which segments to merge, in the manner of Lucene's ``TieredMergePolicy``.

Segments are grouped in size tiers (a tier spans a factor of ``TIER_FACTOR`` in live chunks, from
``FLOOR_DOCS`` up); when a tier holds more than ``SEGMENTS_PER_TIER`` segments, its smallest
``MERGE_AT_ONCE`` are merged into one, which lands in a higher tier. A segment whose chunks are more
than ``MAX_DELETED_FRACTION`` deleted is rewritten too (its deleted chunks stop costing disk and
time). Merges never make a segment above ``MAX_MERGED_DOCS`` live chunks. The number of segments is
therefore about ``SEGMENTS_PER_TIER`` per factor of ten in corpus size, and each chunk is rewritten
about once per tier it climbs.
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
            group, total = [], 0
            for entry in members:
                if len(group) == MERGE_AT_ONCE or total + entry.live_docs > MAX_MERGED_DOCS:
                    break
                group.append(entry)
                total += entry.live_docs
            if len(group) < 2:
                break
            merges.append([e.name for e in group])
            taken.update(e.name for e in group)
            members = members[len(group) :]
    for entry in segments:
        if entry.name not in taken and entry.docs and entry.deleted / entry.docs > MAX_DELETED_FRACTION:
            merges.append([entry.name])
            taken.add(entry.name)
    return merges


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
