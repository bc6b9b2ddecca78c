"""The Ray implementation of the task seam (``docmind.executors.seam``).

Per-file tasks are Ray tasks (``ray_tasks.parse_remote``), spread over the nodes (Ray's default
would fill the driver's node first): the driver submits them lazily from
the pipeline's task stream, holds at most ``2 × the cluster's CPUs`` in flight and at most
``MAX_BYTES_IN_FLIGHT`` of document bytes in the object store, and writes each returned file's
chunks into its own chunk cache before yielding the outcome, so outcomes come back bounded. The
worker hashes the bytes it parses and the chunks are cached under that hash: a file saved after the
driver hashed it is cached, and listed, under the hash of the version that was parsed.
Batch calls (the embedding batches) go to a pool of Ray actors that keep their model loaded: one
per GPU, or per two CPUs (``docmind.executors.ray.actor_pool``), started by the phase's
``warm_up`` and ended by ``release_idle(keep=0)``.
Parallel calls (the index build's groups, ``call_each``) are streaming tasks spread over the nodes,
one CPU each (``docmind.executors.ray.calls``); the index phase gives them to Ray only when the
workers share the driver's storage (``shares_storage``: ``DOCMIND_RAY_DOCUMENTS=shared``).

Cancel: the driver stops submitting, cancels every task in flight with ``ray.cancel(force=True)``
(their workers are killed) and kills every actor, then raises ``IngestCancelled``; files finished
before stay cached. A worker or node that dies is retried ``settings.ray_retries`` times by Ray
(elsewhere when the node is gone); after that only its own file fails, with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

import ray
from ray.exceptions import RayError, RayTaskError

from docmind.executors.errors import IngestCancelled
from docmind.executors.local.pool import FileProgress
from docmind.executors.ray import calls
from docmind.executors.ray.actor_pool import BatchActors
from docmind.executors.ray.runtime import connect
from docmind.executors.ray.tasks import RemoteFile, parse_remote
from docmind.executors.ray.waiting import first_ready
from docmind.executors.task_context import TaskProgress
from docmind.ingest.parse.chunk_cache import ChunkCache
from docmind.ingest.parse.file_task import FileOutcome, FileTask
from docmind.segments.file_status import FileStatus
from docmind.settings import Settings

MAX_BYTES_IN_FLIGHT = 256 * 1024 * 1024
"""Document bytes the driver has in the object store at most (one larger file still goes alone)."""

T = TypeVar("T")
R = TypeVar("R")
_parse_task = ray.remote(parse_remote)


class RayExecutor:
    """Tasks on the Ray cluster this process is connected to, bound to one job's cancel event.

    ``batch_actors`` cuts the pool of batch actors to at most that many (None: as the cluster allows).
    """

    def __init__(self, settings: Settings, cancel: threading.Event, batch_actors: int | None = None) -> None:
        self._cancel = cancel
        self._send_bytes = settings.ray_documents == "store"
        self._retries = settings.ray_retries
        self._cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._window = max(2, 2 * self._cpus)
        self._in_flight = 0
        self._batch = BatchActors(cancel, batch_actors)

    @classmethod
    def connect(
        cls, settings: Settings, cancel: threading.Event, batch_actors: int | None = None
    ) -> RayExecutor:
        """Connect this process to ``settings.ray_address`` (reusing a connection) and return an executor.

        Raises:
            RayUnavailableError: no Ray answers at the address (before any work).
            IngestCancelled: the cancel event was set while connecting.
        """
        connect(settings.ray_address, settings.workers, cancel)
        return cls(settings, cancel, batch_actors)

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release_idle(keep=0)

    @property
    def slots(self) -> int:
        """How many file tasks may be in flight at once: twice the cluster's CPUs, at least 2."""
        return self._window

    @property
    def worker_count(self) -> int:
        """Tasks in flight (Ray starts its workers on demand)."""
        return self._in_flight

    @property
    def size(self) -> int:
        """How many calls of ``call_each`` run at once: the cluster's CPUs when the executor connected."""
        return self._cpus

    @property
    def shares_storage(self) -> bool:
        """Whether the workers read and write the driver's paths: ``DOCMIND_RAY_DOCUMENTS=shared``."""
        return not self._send_bytes

    def release_idle(self, keep: int) -> None:
        """With ``keep`` 0, end the batch actors (and the models they hold); tasks need no releasing."""
        if keep == 0:
            self._batch.stop()

    def warm_up(self, fn: Callable[[T], R], argument: T) -> list[R]:
        """Run ``fn(argument)`` once on every batch actor (starting the pool); each actor's result.

        Raises:
            IngestCancelled: as soon as the cancel event is set (every actor is killed).
            WorkerCrashedError: an actor or its node died.
            WorkerTaskError: ``fn`` raised (the message names the original error).
        """
        return self._batch.warm_up(fn, argument)

    def call_stream(
        self, fn: Callable[[T], R], arguments: Iterable[T], per_worker: int = 2
    ) -> Generator[R, None, None]:
        """Yield ``fn(argument)`` per argument, in order, spread over the batch actors (``actor_pool``).

        Raises:
            IngestCancelled: as soon as the cancel event is set (every actor is killed).
            WorkerCrashedError: an actor or its node died.
            WorkerTaskError: ``fn`` raised (the message names the original error).
        """
        return self._batch.stream(fn, arguments, per_worker)

    def call_each(
        self,
        fn: Callable[[T], R],
        arguments: Sequence[T],
        on_progress: Callable[[int, TaskProgress], None] | None = None,
    ) -> list[R]:
        """Run ``fn(argument)`` for every argument as a Ray task, spread over the nodes; results in order.

        ``on_progress`` hears each call's progress notes with the position of its argument.

        Raises:
            IngestCancelled: as soon as the cancel event is set (the calls still running are cancelled).
            WorkerTaskError: ``fn`` raised (the message names the original error); the others are cancelled.
            WorkerCrashedError: a worker or its node died (not retried); the others are cancelled.
        """
        return calls.call_each(fn, arguments, self._cancel, on_progress)

    def process_files(
        self, tasks: Iterable[FileTask], on_progress: FileProgress | None = None
    ) -> Iterator[FileOutcome]:
        """Yield one outcome per task in completion order; see the module docstring.

        ``on_progress`` is never called: a Ray task has no way back before its result.

        Raises:
            IngestCancelled: as soon as the cancel event is set (tasks in flight are cancelled).
        """
        pending = iter(tasks)
        in_flight: dict[Any, tuple[FileTask, int]] = {}
        exhausted = False
        try:
            while True:
                while not exhausted and self._room(in_flight):
                    task = next(pending, None)
                    if task is None:
                        exhausted = True
                        break
                    try:
                        ref, size = self._submit(task)
                    except OSError as exc:
                        reason = f"cannot read: {exc.strerror or type(exc).__name__}"
                        yield FileOutcome(task.rel, FileStatus.FAILED, error=reason)
                        continue
                    in_flight[ref] = (task, size)
                    self._in_flight = len(in_flight)
                if not in_flight:
                    return
                for ref in first_ready(list(in_flight), self._cancel):
                    task, _ = in_flight.pop(ref)
                    self._in_flight = len(in_flight)
                    yield self._outcome(task, ref)
        finally:
            for ref in in_flight:
                ray.cancel(ref, force=True)
            self._in_flight = 0

    def _room(self, in_flight: dict[Any, tuple[FileTask, int]]) -> bool:
        if not in_flight:
            return True
        sent = sum(size for _, size in in_flight.values())
        return len(in_flight) < self._window and sent < MAX_BYTES_IN_FLIGHT

    def _submit(self, task: FileTask) -> tuple[Any, int]:
        """Submit one file; return its task and the bytes it put in the object store.

        Raises:
            OSError: the file cannot be read (``store``).
        """
        if self._cancel.is_set():
            raise IngestCancelled
        data = task.path.read_bytes() if self._send_bytes else None  # the worker hashes what it parses
        file = RemoteFile(task.path, task.rel, task.chunk_size, task.chunk_overlap)
        options = _parse_task.options(
            max_retries=self._retries, retry_exceptions=False, scheduling_strategy="SPREAD"
        )
        return options.remote(file, data), len(data) if data is not None else 0

    def _outcome(self, task: FileTask, ref: Any) -> FileOutcome:
        try:
            outcome, entry = ray.get(ref)
        except RayTaskError as exc:
            return FileOutcome(task.rel, FileStatus.FAILED, task.sha256, error=_task_error(exc))
        except RayError as exc:
            tries = self._retries + 1
            reason = f"the Ray worker or node processing it died ({type(exc).__name__}; tried {tries}×)"
            return FileOutcome(task.rel, FileStatus.FAILED, task.sha256, error=reason)
        if entry is not None:
            ChunkCache(task.cache_root, task.fingerprint).put(entry)
        return outcome


def _task_error(exc: RayTaskError) -> str:
    cause = exc.cause
    return f"cannot parse ({type(cause).__name__})"
