"""The driver's side of the index phase: what the new snapshot keeps, writes, marks and merges.

Steps, in the job's process under the writer lock (``# (n)`` in ``update_index``):

1. Read the active snapshot's index (its segments, their headers and deletion marks) when the new
   snapshot has the same settings; otherwise everything is written anew.
2. Plan (``docmind.segments.update.plan_update``): files kept where they are, files to write, chunks
   to mark deleted (changed and removed files).
3. Write the new files' chunks into new segments, in a worker (``index_build.build_index``).
4. Mark deletions: a new generation of a kept segment's deletion marks when it lost files.
5. Merge what the merge policy picks (``docmind.segments.merge_policy``), one worker call per merge,
   reporting "merging" progress; merged segments replace their sources.
6. Adopt the kept segments' files (and unchanged deletion marks) from the active snapshot by hard
   link, and write ``index.json``.

Every step writes only inside the workspace; a cancel or failure anywhere leaves the active
snapshot as it was and the workspace is removed by the caller.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from docmind_snapshots import SnapshotStore, Workspace

from docmind.segments import layout
from docmind.segments.bm25 import LivePart
from docmind.segments.manifest import (
    IndexManifest,
    SegmentEntry,
    read_deletes,
    read_index_manifest,
    write_deletes,
)
from docmind.segments.merge import merge_segments
from docmind.segments.merge_policy import pick_merges
from docmind.segments.meta import SegmentHeader, read_segment_meta
from docmind.segments.reader import SegmentReader
from docmind.segments.update import PreviousSegment, UpdatePlan, plan_update


@dataclass(frozen=True)
class ActiveIndex:
    """The active snapshot's index as the next one builds on it."""

    snapshot_id: str
    path: Path
    manifest: IndexManifest
    segments: tuple[PreviousSegment, ...]
    files: tuple[str, ...]
    """Every file of the snapshot (its store manifest's paths)."""


def read_active_index(store: SnapshotStore, snapshot_id: str) -> ActiveIndex:
    """The index of snapshot ``snapshot_id`` (the caller holds the writer lock: it stays on disk).

    Raises:
        OSError, ValueError: the index cannot be read.
    """
    path = store.path_of(snapshot_id)
    manifest = read_index_manifest(path)
    segments = []
    for entry in manifest.segments:
        meta = read_segment_meta(path / layout.segment_dir(entry.name))
        deleted = read_deletes(path / entry.deletes) if entry.deletes else np.empty(0, dtype=np.uint32)
        segments.append(PreviousSegment(entry, meta, deleted))
    files = tuple(entry.path for entry in store.manifest(snapshot_id).files)
    return ActiveIndex(snapshot_id, path, manifest, tuple(segments), files)


def plan_for(active: ActiveIndex | None, wanted: dict[str, str]) -> UpdatePlan:
    """Steps (1) and (2): the plan for an index of ``wanted`` (path → content hash) over ``active``.

    ``active`` is ``None`` when there is no active index or it was built under other settings.
    """
    return plan_update(active.segments if active is not None else (), wanted)


@dataclass(frozen=True)
class MergeTask:
    """One merge for a worker: source segments (folder, deletion marks or None) into ``target``."""

    sources: tuple[tuple[Path, Path | None], ...]
    target: Path
    name: str


def merge_in_worker(task: MergeTask) -> SegmentHeader:
    """Run one merge (in a worker process): open the sources with their live chunks, write the target."""
    readers = [SegmentReader(folder) for folder, _ in task.sources]
    try:
        parts = []
        for reader, (_, deletes) in zip(readers, task.sources, strict=True):
            live = None
            if deletes is not None:
                live = np.ones(reader.docs, dtype=bool)
                live[read_deletes(deletes)] = False
            parts.append(LivePart(reader, live))
        return merge_segments(parts, task.target, task.name).header()
    finally:
        for reader in readers:
            reader.close()


@dataclass(frozen=True)
class IndexChange:
    """What ``update_index`` did: the new manifest, how many chunks it wrote and merged, windows."""

    manifest: IndexManifest
    written: tuple[SegmentHeader, ...]
    merged: int
    changed: bool


Build = Callable[[tuple[str, ...], tuple[str, ...]], tuple[SegmentHeader, ...]]
"""Writes the given files (paths) into new segments with the given names; returns their headers."""
Merge = Callable[[MergeTask], SegmentHeader]
"""Runs one merge (in a worker)."""
Report = Callable[[str], None]
"""Says what the phase is doing ("merging 8 segments")."""


def update_index(
    workspace: Workspace,
    active: ActiveIndex | None,
    plan: UpdatePlan,
    *,
    build: Build,
    merge: Merge,
    report: Report,
    policy: Callable[[Sequence[SegmentEntry]], list[list[str]]] = pick_merges,
) -> IndexChange:
    """Make the new snapshot's index in ``workspace`` as ``plan`` says (from ``plan_for``); see the steps."""
    previous = active.segments if active is not None else ()
    counter = _next_counter(previous)
    names = tuple(layout.segment_name(counter + i, secrets.token_hex(3)) for i in range(len(plan.write) + 1))
    written = build(plan.write, names) if plan.write else ()  # (3)
    counter += len(written)
    entries: list[SegmentEntry] = []
    sources: dict[str, tuple[Path, Path | None]] = {}
    for segment, deleted, grew in plan.kept:  # (4)
        entry = segment.entry
        if grew:
            entry = _with_deletions(workspace.path, active, segment, deleted)
        folder = active.path if active is not None else workspace.path
        deletes = None if entry.deletes is None else (workspace.path if grew else folder) / entry.deletes
        sources[entry.name] = (folder / layout.segment_dir(entry.name), deletes)
        entries.append(entry)
    for meta in written:
        entries.append(
            SegmentEntry(name=meta.name, docs=meta.docs, live_len=meta.total_len, live_windows=meta.windows)
        )
        sources[meta.name] = (workspace.path / layout.segment_dir(meta.name), None)
    dims = max([active.manifest.dims if active is not None else 0, *(m.dims for m in written)])
    merged = 0
    for group in policy(entries):  # (5)
        name = layout.segment_name(counter, secrets.token_hex(3))
        counter += 1
        chunks = sum(e.live_docs for e in entries if e.name in group)
        report(f"merging {len(group)} segments ({chunks:,} chunks)")
        target = workspace.path / layout.segment_dir(name)
        meta = merge(MergeTask(tuple(sources[n] for n in group), target, name))
        merged += meta.docs
        position = min(i for i, e in enumerate(entries) if e.name in group)
        entry = SegmentEntry(name=name, docs=meta.docs, live_len=meta.total_len, live_windows=meta.windows)
        entries = [e for e in entries if e.name not in group]
        entries.insert(position, entry)
        sources[name] = (target, None)
        for source in group:  # merged sources written here leave the workspace; kept ones are not adopted
            _discard(workspace.path, sources[source])
    if active is not None:  # (6)
        _adopt(workspace, active, entries, {m.name for m in written})
    manifest = IndexManifest(segments=tuple(entries), dims=dims)
    (workspace.path / layout.INDEX_FILE).write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    return IndexChange(manifest, tuple(written), merged, plan.changed or bool(merged))


def _next_counter(previous: Sequence[PreviousSegment]) -> int:
    return max((layout.segment_counter(s.entry.name) for s in previous), default=0) + 1


def _with_deletions(
    workspace: Path, active: ActiveIndex | None, segment: PreviousSegment, deleted: np.ndarray
) -> SegmentEntry:
    """A kept segment's entry with its new deletion marks, written into the workspace."""
    assert active is not None
    entry = segment.entry
    generation = int(entry.deletes.rsplit(".", 2)[1]) + 1 if entry.deletes else 1
    relative = layout.deletes_file(entry.name, generation)
    write_deletes(workspace / relative, deleted)
    with SegmentReader(active.path / layout.segment_dir(entry.name)) as reader:
        live_len = int(reader.meta.total_len - reader.doc_lengths[deleted].sum(dtype=np.int64))
        live_windows = reader.meta.windows
        if reader.meta.windows:
            _, parents = reader.vectors()
            gone = np.zeros(reader.docs, dtype=bool)
            gone[deleted] = True
            live_windows -= int(gone[np.asarray(parents, dtype=np.int64)].sum())
    return entry.model_copy(
        update={
            "deleted": len(deleted),
            "deletes": relative,
            "live_len": live_len,
            "live_windows": live_windows,
        }
    )


def _discard(workspace: Path, source: tuple[Path, Path | None]) -> None:
    """Remove the files of a merged source that were written into the workspace (new segment, new marks)."""
    for path in source:
        if path is None or not path.is_relative_to(workspace):
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _adopt(workspace: Workspace, active: ActiveIndex, entries: Sequence[SegmentEntry], new: set[str]) -> None:
    """Hard-link the kept segments' files and unchanged deletion marks from the active snapshot."""
    wanted: list[str] = []
    for entry in entries:
        if entry.name in new or not (active.path / layout.segment_dir(entry.name)).is_dir():
            continue  # written by this job (new or merged)
        prefix = layout.segment_dir(entry.name) + "/"
        wanted.extend(path for path in active.files if path.startswith(prefix))
        if entry.deletes is not None and not (workspace.path / entry.deletes).exists():
            wanted.append(entry.deletes)
    workspace.adopt(active.snapshot_id, wanted)
