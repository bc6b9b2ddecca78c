"""``docmind optimize``: merge the active snapshot's segments now and publish the result.

Takes the writer lock (refused while an ingestion runs), merges the active index as far as
``merge_policy.force_merges`` allows (deleted chunks are dropped), keeps the corpus listing as it is
and publishes a new snapshot whose searches give the same results. When nothing would change (one
segment without deletions), nothing is published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from docmind_snapshots import SnapshotStore

from docmind.ingest.index.update import merge_in_worker, read_active_index, update_index
from docmind.segments import layout
from docmind.segments.merge_policy import force_merges
from docmind.segments.meta import SegmentHeader
from docmind.segments.update import UpdatePlan


@dataclass(frozen=True)
class OptimizeResult:
    """What ``optimize`` did: the snapshot now active, whether it is new, segments before and after."""

    snapshot_id: str | None
    changed: bool
    segments_before: int
    segments_after: int


def optimize(
    store: SnapshotStore, report: Callable[[str], None], owner: str = "docmind optimize"
) -> OptimizeResult:
    """Merge the active snapshot's segments and publish; see the module docstring.

    Raises:
        WriterBusyError: another writer (an ingestion) holds the store.
        SnapshotCommitError: publishing failed (nothing was published).
    """
    with store.begin(owner=owner) as workspace:
        current = store.current()
        if current is None:
            workspace.abort()
            return OptimizeResult(None, False, 0, 0)
        active = read_active_index(store, current.id)
        before = len(active.segments)
        if not force_merges([s.entry for s in active.segments]):
            workspace.abort()
            return OptimizeResult(current.id, False, before, before)
        plan = UpdatePlan(kept=tuple((s, s.deleted, False) for s in active.segments), write=())
        change = update_index(
            workspace,
            active,
            plan,
            build=_nothing_to_build,
            merge=merge_in_worker,
            report=report,
            policy=force_merges,
        )
        workspace.adopt(current.id, [layout.CORPUS_FILE])
        info = workspace.commit({**current.metadata, "optimized_from": current.id})
    return OptimizeResult(info.id, True, before, len(change.manifest.segments))


def _nothing_to_build(paths: tuple[str, ...], names: tuple[str, ...]) -> tuple[SegmentHeader, ...]:
    """The plan writes no file: there is nothing to build."""
    return ()
