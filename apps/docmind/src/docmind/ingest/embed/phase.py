"""The embed phase: every window of every indexed chunk gets a vector in the embedding cache.

Planning (in the job's thread, ``docmind.ingest.embed.plan``) cuts each chunk into windows and asks
the cache which windows it already has, keeping counts and where the missing windows lie, never
their text; meanwhile the model loads in the worker that will embed (``load_encoder``, started by
the pipeline while the last files were parsed) and is then loaded in every batch worker
(``warm_up``: with Ray, a pool of actors). Only the missing windows are embedded: read back a group
of files at a time, sorted by length within the group (little padding), cut into batches sized to
last about 0.5 s each (``embed_batches``) so that the progress moves several times a second and the
windows-per-second rate is known from the first batch on. The batches go to the executor as one
stream (``call_stream``) with ``CALLS_PER_WORKER`` calls on each batch worker at once, so a worker
starts its next batch while the job stores the last one and prepares the next. Each finished batch
is stored at once, in the order sent, so a cancel, a crash or a failing endpoint keeps everything
embedded before it, and the next run starts where this one stopped. The vectors themselves go into
the snapshot in the index build, which reads them back from the cache.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from docmind_jobs import JobFailed

from docmind.embed.cache import EmbeddingCache
from docmind.embed.encoders import EmbedRequestError
from docmind.embed.spec import EmbedSpec
from docmind.embed.windows import load_tokenizer
from docmind.executors.errors import WorkerCrashedError, WorkerTaskError
from docmind.executors.seam import TaskExecutor
from docmind.ingest.embed.batches import BatchSizer
from docmind.ingest.embed.calls import EncodeRequest, encode_windows, load_encoder
from docmind.ingest.embed.plan import EmbedPlan, pending_groups, plan_windows
from docmind.ingest.parse.chunk_cache import CacheEntry, ChunkCache
from docmind.ingest.parse.file_task import FileTask
from docmind.ingest.parse.indexed_file import IndexedFile
from docmind.ingest.progress.tracker import PHASE_EMBED, IngestProgress

CALLS_PER_WORKER = 2
"""Embedding calls each batch worker holds at once: one runs, the next waits beside it."""


class EmbedFailedError(JobFailed):
    """The embedder failed during the phase; the message names the file it had reached."""


@dataclass(frozen=True)
class EmbedResult:
    """What the phase did: windows in the corpus, embedded now, found in the cache; token coverage."""

    windows_total: int
    windows_embedded: int
    windows_cached: int
    tokens: int
    tokens_covered: int
    seconds: float
    runtime: str = ""

    @property
    def coverage(self) -> float:
        """Fraction of the chunks' word pieces inside some window (1.0: nothing truncated)."""
        return round(self.tokens_covered / self.tokens, 6) if self.tokens else 1.0


@dataclass(frozen=True)
class _Sent:
    """A batch sent and not yet stored: its windows' keys, the file of its last window, its characters."""

    keys: list[bytes]
    file: str
    characters: int


def embed_corpus(
    files: Sequence[IndexedFile],
    chunk_cache: ChunkCache,
    chunk_settings: tuple[int, int],
    spec: EmbedSpec,
    cache: EmbeddingCache,
    progress: IngestProgress,
    executor: TaskExecutor,
    cancel: threading.Event,
) -> EmbedResult:
    """Embed every window of ``files`` that the cache lacks; see the module docstring.

    Raises:
        IngestCancelled: the cancel event was set (the batches finished before it stay cached).
        EmbedFailedError: the model or endpoint failed, or answered vectors of the wrong shape.
    """
    started = progress.clock()
    progress.phase = PHASE_EMBED
    tokenizer = load_tokenizer(spec.tokenizer_dir)

    def parsed(file: IndexedFile) -> CacheEntry:
        return chunk_cache.get(file.sha256) or _rebuilt_entry(executor, chunk_cache, chunk_settings, file)

    plan = plan_windows(files, parsed, tokenizer, spec.window, cache, progress, cancel)
    cached = plan.windows - plan.pending
    runtime = ""
    if plan.pending:  # the model loads (or finishes loading) now; its line counts the seconds
        progress.item = None
        model = f"embedding model {spec.name}"
        progress.start_item(model, 0)
        progress.emit(f"loading the embedding model {spec.name}", force=True)
        try:
            runtimes = executor.warm_up(load_encoder, spec)
        except (WorkerCrashedError, WorkerTaskError) as exc:
            raise _failure(f"could not load the embedding model {spec.name}", exc) from exc
        runtime = ", ".join(dict.fromkeys(runtimes))  # one name unless the batch workers differ
        progress.finish_item(model)
    progress.start_embedding(plan.windows, cached, plan.seconds)
    progress.emit(f"embedding {plan.pending} windows ({cached} cached)", force=True)
    if plan.pending:
        _embed(plan, chunk_cache, spec, cache, progress, executor, cancel)
    progress.emit(f"embedded {plan.pending} windows", force=True)
    executor.release_idle(keep=0)  # the batch workers hold the model: free it now
    return EmbedResult(
        windows_total=plan.windows,
        windows_embedded=plan.pending,
        windows_cached=cached,
        tokens=plan.tokens,
        tokens_covered=plan.covered,
        seconds=round(progress.clock() - started, 3),
        runtime=runtime,
    )


def _embed(
    plan: EmbedPlan,
    chunk_cache: ChunkCache,
    spec: EmbedSpec,
    cache: EmbeddingCache,
    progress: IngestProgress,
    executor: TaskExecutor,
    cancel: threading.Event,
) -> None:
    """Embed the plan's windows as one stream of batches; store each batch as its vectors come back."""
    sizer = BatchSizer(spec.batch)
    sent: deque[_Sent] = deque()

    def still_cached(file: IndexedFile) -> CacheEntry:
        entry = chunk_cache.get(file.sha256)
        if entry is None:
            raise EmbedFailedError(f"embedding failed at {file.path}: its chunks left the chunk cache")
        return entry

    def requests() -> Iterator[EncodeRequest]:
        for group in pending_groups(plan, still_cached, cancel):
            lengths = [len(window.text) for window in group]
            start = 0
            while start < len(group):
                size = sizer.next_size(lengths[start : start + spec.batch])
                batch = group[start : start + size]
                sent.append(_Sent([w.key for w in batch], batch[-1].path, sum(lengths[start : start + size])))
                yield EncodeRequest(spec, [w.text for w in batch])
                start += size

    dims = 0
    last = progress.clock()
    with closing(executor.call_stream(encode_windows, requests(), CALLS_PER_WORKER)) as results:
        for vectors in _failing_at(results, sent):
            batch = sent.popleft()
            now = progress.clock()
            sizer.measured(batch.characters, now - last)  # calls overlap: the time since the last result
            last = now
            _check_shape(vectors, batch, dims)
            cache.put(batch.keys, vectors)
            progress.windows_done += len(batch.keys)
            progress.item = batch.file
            progress.emit(force=not dims)  # the rate shows from the first batch on
            dims = vectors.shape[1]


def _failing_at(results: Iterator[np.ndarray], sent: deque[_Sent]) -> Iterator[np.ndarray]:
    """``results``; a failed call ends them: ``EmbedFailedError`` naming a file of its batch, ``sent[0]``."""
    try:
        yield from results
    except (WorkerCrashedError, WorkerTaskError) as exc:
        raise _failure(f"embedding failed at {sent[0].file}", exc) from exc


def _check_shape(vectors: np.ndarray, batch: _Sent, dims: int) -> None:
    """Refuse vectors that are not one per window, or not of the size of those before (``dims``, 0: any)."""
    if (
        vectors.ndim != 2
        or vectors.shape[0] != len(batch.keys)
        or vectors.shape[1] != (dims or vectors.shape[1])
    ):
        shape = vectors.shape
        raise EmbedFailedError(
            f"embedding failed at {batch.file}: the embedder returned vectors of shape {shape}"
        )


def _rebuilt_entry(
    executor: TaskExecutor, chunk_cache: ChunkCache, chunk_settings: tuple[int, int], file: IndexedFile
) -> CacheEntry:
    """Parse a file whose cache entry is gone again, behind the task seam (same content hash required)."""
    location = Path(file.location)
    task = FileTask(location, file.path, chunk_cache.base, chunk_cache.fingerprint, *chunk_settings)
    outcome = next(iter(executor.process_files([task])))  # no hash given: the worker hashes what it reads
    if outcome.error:
        raise EmbedFailedError(f"{file.path}: {outcome.error}")
    entry = chunk_cache.get(file.sha256) if outcome.sha256 == file.sha256 else None
    if entry is None:
        raise EmbedFailedError(f"{file.path} changed or became unreadable during ingestion")
    return entry


def _failure(failing: str, exc: WorkerCrashedError | WorkerTaskError) -> EmbedFailedError:
    """``failing``, a colon and why: the worker crashed, or the embedder's own message."""
    if isinstance(exc, WorkerCrashedError):
        return EmbedFailedError(f"{failing}: the embedding process crashed ({exc})")
    return EmbedFailedError(f"{failing}: {str(exc).removeprefix(f'{EmbedRequestError.__name__}: ')}")
