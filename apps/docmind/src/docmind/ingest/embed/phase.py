"""The embed phase: every window of every indexed chunk gets a vector in the embedding cache.

Planning (in the job's thread) cuts each chunk into windows (``docmind.embed.windows``) and asks
the cache which windows it already has; meanwhile the model loads in the worker that will embed
(``load_encoder``, started by the pipeline while the last files were parsed). Only the missing
windows are embedded, longest-last in batches of similar length (little padding), one batch per
worker call, each call sized to last about 0.5 s (``embed_batches``) so that the progress moves
several times a second and the windows-per-second rate is known from the first call on. Each
finished batch is stored at once, so a cancel, a crash or a failing endpoint keeps everything
embedded before it, and the next run starts where this one stopped. The vectors themselves go
into the snapshot in the index build, which reads them back from the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from docmind_jobs import JobFailed

from docmind.embed.cache import EmbeddingCache
from docmind.embed.encoders import EmbedRequestError
from docmind.embed.spec import EmbedSpec
from docmind.embed.windows import chunk_windows, load_tokenizer, window_key
from docmind.executors.errors import IngestCancelled, WorkerCrashedError, WorkerTaskError
from docmind.executors.seam import TaskExecutor
from docmind.ingest.embed.batches import BatchSizer
from docmind.ingest.embed.calls import EncodeRequest, encode_windows, load_encoder
from docmind.ingest.parse.chunk_cache import CacheEntry, ChunkCache
from docmind.ingest.parse.file_task import FileTask
from docmind.ingest.parse.indexed_file import IndexedFile
from docmind.ingest.progress.tracker import PHASE_EMBED, IngestProgress

T = TypeVar("T")
R = TypeVar("R")


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


@dataclass
class _Plan:
    pending: dict[bytes, tuple[str, str]]
    windows: int = 0
    tokens: int = 0
    covered: int = 0
    seconds: float = 0.0


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
    plan = _plan(files, chunk_cache, chunk_settings, spec, cache, progress, executor, cancel)
    cached = plan.windows - len(plan.pending)
    runtime = ""
    if plan.pending:  # the model loads (or finishes loading) now; its line counts the seconds
        progress.item = None
        model = f"embedding model {spec.name}"
        progress.start_item(model, 0)
        progress.emit(f"loading the embedding model {spec.name}", force=True)
        runtime = _call(executor, load_encoder, spec, f"could not load the embedding model {spec.name}")
        progress.finish_item(model)
    progress.start_embedding(plan.windows, cached, plan.seconds)
    progress.emit(f"embedding {len(plan.pending)} windows ({cached} cached)", force=True)
    order = sorted(plan.pending.items(), key=lambda item: len(item[1][0]))
    lengths = [len(text) for _, (text, _) in order]
    sizer = BatchSizer(spec.batch)
    dims = start = 0
    while start < len(order):
        size = sizer.next_size(lengths[start : start + spec.batch])
        batch = order[start : start + size]
        file = batch[-1][1][1]
        called = progress.clock()
        request = EncodeRequest(spec, [text for _, (text, _) in batch])
        vectors = _call(executor, encode_windows, request, f"embedding failed at {file}")
        sizer.measured(sum(lengths[start : start + size]), progress.clock() - called)
        if vectors.ndim != 2 or vectors.shape[0] != len(batch) or (dims and vectors.shape[1] != dims):
            raise EmbedFailedError(
                f"embedding failed at {file}: the embedder returned vectors of shape {vectors.shape}"
            )
        dims = vectors.shape[1]
        cache.put([key for key, _ in batch], vectors)
        progress.windows_done += len(batch)
        progress.item = file
        progress.emit(force=start == 0)  # the rate shows from the first call on
        start += size
    progress.emit(f"embedded {len(plan.pending)} windows", force=True)
    executor.release_idle(keep=0)  # the embedding worker holds the model: free it now
    return EmbedResult(
        windows_total=plan.windows,
        windows_embedded=len(plan.pending),
        windows_cached=cached,
        tokens=plan.tokens,
        tokens_covered=plan.covered,
        seconds=round(progress.clock() - started, 3),
        runtime=runtime,
    )


def _plan(
    files: Sequence[IndexedFile],
    chunk_cache: ChunkCache,
    chunk_settings: tuple[int, int],
    spec: EmbedSpec,
    cache: EmbeddingCache,
    progress: IngestProgress,
    executor: TaskExecutor,
    cancel: threading.Event,
) -> _Plan:
    progress.phase = PHASE_EMBED
    started = progress.clock()
    tokenizer = load_tokenizer(spec.tokenizer_dir)
    plan = _Plan(pending={})
    for position, file in enumerate(files):
        if cancel.is_set():
            raise IngestCancelled
        entry = chunk_cache.get(file.sha256) or _rebuilt_entry(executor, chunk_cache, chunk_settings, file)
        windows: dict[bytes, str] = {}
        for chunk in entry.chunks:
            cut = chunk_windows(chunk.text, tokenizer, spec.window)
            plan.windows += len(cut.texts)
            plan.tokens += cut.tokens
            plan.covered += cut.covered
            windows.update((window_key(text), text) for text in cut.texts)
        fresh = {key: text for key, text in windows.items() if key not in plan.pending}
        known = cache.known(fresh)
        plan.pending.update((key, (text, file.path)) for key, text in fresh.items() if key not in known)
        progress.item = file.path
        progress.emit(f"planning embedding windows ({position + 1} / {len(files)} files)")
    plan.seconds = progress.clock() - started
    return plan


def _rebuilt_entry(
    executor: TaskExecutor, chunk_cache: ChunkCache, chunk_settings: tuple[int, int], file: IndexedFile
) -> CacheEntry:
    """Parse a file whose cache entry is gone again, behind the task seam (same content hash required)."""
    task = FileTask(file.location, file.path, chunk_cache.base, chunk_cache.fingerprint, *chunk_settings)
    outcome = next(iter(executor.process_files([task])))  # no hash given: the worker hashes what it reads
    if outcome.error:
        raise EmbedFailedError(f"{file.path}: {outcome.error}")
    entry = chunk_cache.get(file.sha256) if outcome.sha256 == file.sha256 else None
    if entry is None:
        raise EmbedFailedError(f"{file.path} changed or became unreadable during ingestion")
    return entry


def _call(executor: TaskExecutor, fn: Callable[[T], R], argument: T, failing: str) -> R:
    """Return ``fn(argument)`` run in the embedding worker; a failure raises ``EmbedFailedError``.

    Its message is ``failing``, a colon and why (the worker crashed, the embedder's own message).
    """
    try:
        return executor.call(fn, argument)
    except WorkerCrashedError as exc:
        raise EmbedFailedError(f"{failing}: the embedding process crashed ({exc})") from exc
    except WorkerTaskError as exc:
        reason = str(exc).removeprefix(f"{EmbedRequestError.__name__}: ")
        raise EmbedFailedError(f"{failing}: {reason}") from exc
