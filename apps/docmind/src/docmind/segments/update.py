"""What a new snapshot's index keeps of the previous one, and what it must write.

A file is identified by its path and content hash. A file the previous index holds (live) with
the same hash is kept where it is; any other live file of the previous index (changed, removed)
gets its chunks marked deleted in its segment; every wanted file not kept goes into new segments.
Nothing here writes: ``plan_update`` decides, the index build carries it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from docmind.segments.manifest import SegmentEntry
from docmind.segments.meta import SegmentMeta


@dataclass(frozen=True)
class PreviousSegment:
    """A segment of the previous index: its entry, its header and its deleted chunks (sorted)."""

    entry: SegmentEntry
    meta: SegmentMeta
    deleted: np.ndarray


@dataclass(frozen=True)
class UpdatePlan:
    """The decision: segments kept (with their deleted chunks now) and the files to write anew.

    Attributes:
        kept: Previous segments that still hold a live chunk, oldest first, each with every chunk
            now deleted (previously deleted ones included) and whether that set grew.
        write: Paths of the wanted files that no kept segment holds, in the order given.
        dropped: Previous segments left with no live chunk (no longer named).
    """

    kept: tuple[tuple[PreviousSegment, np.ndarray, bool], ...]
    write: tuple[str, ...]
    dropped: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Whether the index differs from the previous one."""
        return bool(self.write or self.dropped or any(grew for _, _, grew in self.kept))


def plan_update(previous: Sequence[PreviousSegment], wanted: Mapping[str, str]) -> UpdatePlan:
    """Decide how the index of ``wanted`` (path → content hash) is made from ``previous``."""
    held: set[str] = set()
    kept: list[tuple[PreviousSegment, np.ndarray, bool]] = []
    dropped: list[str] = []
    for segment in previous:
        gone = [segment.deleted]
        live = np.ones(segment.meta.docs, dtype=bool)
        live[segment.deleted] = False
        for span in segment.meta.files:
            if not span.chunks or not live[span.first]:
                continue  # a file's chunks are deleted all together: this file had left already
            if wanted.get(span.path) == span.sha256 and span.path not in held:
                held.add(span.path)
            else:
                gone.append(np.arange(span.first, span.first + span.chunks, dtype=np.uint32))
        deleted = np.unique(np.concatenate(gone).astype(np.uint32))
        if len(deleted) >= segment.meta.docs:
            dropped.append(segment.entry.name)
        else:
            kept.append((segment, deleted, len(deleted) > len(segment.deleted)))
    write = tuple(path for path in wanted if path not in held)
    return UpdatePlan(tuple(kept), write, tuple(dropped))
