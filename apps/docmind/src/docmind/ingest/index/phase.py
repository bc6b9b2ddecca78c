"""The index phase of one ingestion: plan, embed what is new, write segments, merge, adopt the rest.

The active snapshot's index is built on when it was made under the same settings signature (same
chunks, same embedder): only new and changed files are embedded and written; every other file stays
in the segment that holds it. Under other settings, or without an active snapshot, every file is
written anew. The steps themselves are in ``index_update``.

New segments are built where the seam says (``segment_builders``): on the executor's workers when
they share this machine's storage (the local pool; Ray with shared documents), else on the local
workers; the files are split into as many groups as those workers run at once (above
``PARALLEL_BUILD_CHUNKS`` chunks each). Each build returns the seals of the files it wrote (their
checksums, made where they were written), recorded in the workspace so the job's seal does not read
them again. Merges run in a local worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from docmind_snapshots import SnapshotStore, Workspace

from docmind.embed.cache import EmbeddingCache
from docmind.embed.spec import EmbedSpec
from docmind.executors.errors import WorkerCrashedError, WorkerTaskError
from docmind.executors.seam import LocalWorkers, TaskExecutor, segment_builders
from docmind.executors.task_context import TaskProgress
from docmind.ingest.embed.phase import EmbedResult, embed_corpus
from docmind.ingest.index.build import BuildProcess, IndexResult, IndexTask, VectorSource, build_index
from docmind.ingest.index.update import (
    ActiveIndex,
    IndexChange,
    MergeTask,
    merge_in_worker,
    plan_for,
    read_active_index,
    update_index,
)
from docmind.ingest.parse.chunk_cache import ChunkCache
from docmind.ingest.parse.indexed_file import IndexedFile
from docmind.ingest.progress.tracker import PHASE_MERGE, IngestProgress
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.meta import SegmentHeader

T = TypeVar("T")
R = TypeVar("R")


class IndexBuildError(Exception):
    """The index could not be built or written (disk full, I/O error, a crashed worker)."""


@dataclass(frozen=True)
class IndexPhaseResult:
    """What the phase made: the index change and what the embed phase did (``None``: nothing embedded).

    ``builders`` are the processes that built the new segments, each with how many it wrote (empty:
    no segment was written).
    """

    change: IndexChange
    embedded: EmbedResult | None
    builders: tuple[tuple[BuildProcess, int], ...] = ()


@dataclass(frozen=True)
class IndexInputs:
    """The job's context the index phase needs (settings, caches, workers)."""

    store: SnapshotStore
    workspace: Workspace
    cache: ChunkCache
    cache_root: Path
    chunk_settings: tuple[int, int]
    spec: EmbedSpec | None
    pool: LocalWorkers
    executor: TaskExecutor
    progress: IngestProgress
    cancel: threading.Event


def index_phase(
    inputs: IndexInputs,
    active: tuple[str, CorpusListing] | None,
    listing: CorpusListing,
    ingested: Sequence[FileRecord],
    locations: dict[str, str],
) -> IndexPhaseResult:
    """Make the new snapshot's index in the workspace (see the module docstring).

    Raises:
        IndexBuildError: a segment could not be written or merged.
        IngestCancelled: the cancel event was set.
    """
    progress = inputs.progress
    base = _base_index(inputs.store, active, listing)
    files = {r.path: _indexed_file(r, locations[r.path]) for r in ingested if r.chunks}
    plan = plan_for(base, {path: file.sha256 for path, file in files.items()})
    embedded: EmbedResult | None = None
    to_write = [files[path] for path in plan.write]
    if inputs.spec is not None and to_write:
        inputs.executor.release_idle(keep=0)  # parse workers would only hold memory beside the model
        with EmbeddingCache(inputs.cache_root, inputs.spec.fingerprint) as vectors:
            embedded = embed_corpus(
                to_write,
                inputs.cache,
                inputs.chunk_settings,
                inputs.spec,
                vectors,
                progress,
                inputs.executor,
                inputs.cancel,
            )
    progress.start_index(sum(f.chunks for f in to_write))
    kept = len(files) - len(to_write)
    progress.emit(f"writing {len(to_write)} files into new segments ({kept} kept as they are)", force=True)
    inputs.pool.release_idle(keep=1)  # merges run in one worker; the others would only hold memory
    source = VectorSource(inputs.spec, inputs.cache_root) if inputs.spec is not None else None
    builders = segment_builders(inputs.executor, inputs.pool)
    built: list[IndexResult] = []

    def build(paths: tuple[str, ...], names: tuple[str, ...]) -> tuple[SegmentHeader, ...]:
        groups = _build_groups([files[p] for p in paths], builders.size)
        tasks = [
            IndexTask(
                inputs.workspace.path,
                inputs.cache,
                *inputs.chunk_settings,
                group,
                names[i :: len(groups)],
                sum(f.chunks for f in group),
                source,
            )
            for i, group in enumerate(groups)
        ]
        taken = [0] * len(tasks)

        def moved(position: int, note: TaskProgress) -> None:
            taken[position] = note.done
            progress.index_moved(TaskProgress(sum(taken), progress.index_total))

        try:
            results = builders.call_each(build_index, tasks, moved)
        except (WorkerTaskError, WorkerCrashedError) as exc:
            raise IndexBuildError(f"could not build the search index: {exc}") from exc
        inputs.workspace.record_seals(seal for result in results for seal in result.seals)
        built.extend(results)
        return tuple(meta for result in built for meta in result.segments)

    def merge(task: MergeTask) -> SegmentHeader:
        return _in_worker(inputs.pool, merge_in_worker, task)

    def report(message: str) -> None:
        progress.phase = PHASE_MERGE
        progress.emit(message, force=True)

    change = update_index(inputs.workspace, base, plan, build=build, merge=merge, report=report)
    return IndexPhaseResult(change, embedded, _builders(built))


def _base_index(
    store: SnapshotStore, active: tuple[str, CorpusListing] | None, listing: CorpusListing
) -> ActiveIndex | None:
    """The active index to build on: ``None`` without one, or when it was made under other settings."""
    if active is None or active[1].settings != listing.settings:
        return None
    try:
        return read_active_index(store, active[0])
    except (OSError, ValueError) as exc:
        raise IndexBuildError(f"the active snapshot's index cannot be read: {exc}") from exc


PARALLEL_BUILD_CHUNKS = 4_000
"""Below this many chunks to write, one worker writes them all (one segment); above, workers share them."""


def _build_groups(files: Sequence[IndexedFile], workers: int) -> list[tuple[IndexedFile, ...]]:
    """The files to write split into up to ``workers`` groups of similar size, each in path order.

    ``workers``: how many builds the builders run at once. A group becomes its own segment(s), built
    in parallel; a small change stays in one segment.
    """
    chunks = sum(f.chunks for f in files)
    count = max(1, min(workers, chunks // PARALLEL_BUILD_CHUNKS))
    groups: list[list[IndexedFile]] = [[] for _ in range(count)]
    target = chunks / count
    position, filled = 0, 0
    for file in files:
        if filled >= target * (position + 1) and position < count - 1:
            position += 1
        groups[position].append(file)
        filled += file.chunks
    return [tuple(group) for group in groups if group]


def _builders(results: Sequence[IndexResult]) -> tuple[tuple[BuildProcess, int], ...]:
    """Each process that built segments, with how many, in the order of the results."""
    counts: dict[BuildProcess, int] = {}
    for result in results:
        counts[result.builder] = counts.get(result.builder, 0) + len(result.segments)
    return tuple((process, count) for process, count in counts.items() if count)


def _indexed_file(record: FileRecord, location: str) -> IndexedFile:
    return IndexedFile(
        record.path,
        record.source,
        record.sha256,
        location,
        record.size,
        record.stamp,
        record.pages,
        record.chunks,
    )


def _in_worker(pool: LocalWorkers, fn: Callable[[T], R], argument: T) -> R:
    try:
        return pool.call(fn, argument)
    except (WorkerTaskError, WorkerCrashedError) as exc:
        raise IndexBuildError(f"could not build the search index: {exc}") from exc
