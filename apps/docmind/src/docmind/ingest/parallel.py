"""Worker processes for the heavy work: parse + split per file, then the index build.

Workers come from the worker server (:mod:`docmind.ingest.worker_server`, a ``forkserver``), so they
start in milliseconds and the (multi-threaded) Streamlit server is never forked. When its preload
left the index libraries out, the worker that will build the index imports them while the last files
are still parsed (``WorkerPool.prepare``). How workers start, treat stop signals and die with their
parent is in :mod:`docmind.ingest.worker_lifecycle`.

Each worker owns a pipe and runs one task at a time, so the parent always knows which task a
worker holds, and whose progress notes (``task_progress.TaskProgress``) it reads before the reply:
a worker that dies (a parser crash, the OOM killer) fails only its own file and is replaced; one
that died while idle is replaced when the next task is sent to it, and that task runs in the new
worker; nothing waits forever. Every wait of the caller checks the cancel event, starting a
worker included (the first start of a program waits for the forkserver's preload, seconds): a
cancel abandons the work at once, and busy workers are killed. Killing is safe because every
write a worker makes is an atomic rename into the chunk cache or lands inside the job's snapshot
workspace, which the cancelled job removes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, TypeVar

from docmind.ingest.file_status import FileStatus
from docmind.ingest.task_progress import TAKEN, TaskProgress
from docmind.ingest.worker import FileOutcome, FileTask, TaskError, process_file, serve
from docmind.ingest.worker_lifecycle import starting_worker
from docmind.ingest.worker_server import forkserver_context

_POLL_SECONDS = 0.05
_STOP_GRACE_SECONDS = 0.2
T = TypeVar("T")
R = TypeVar("R")
FileProgress = Callable[[str, TaskProgress], None]
"""Told (file's relative name, its progress) while a worker reads a long file."""


class IngestCancelled(Exception):
    """The cancel event was set while work was in progress."""


class WorkerCrashedError(RuntimeError):
    """A worker process died while running a task."""


class WorkerTaskError(RuntimeError):
    """A task raised inside a worker; the message names the original error type and text."""


class WorkerStartError(RuntimeError):
    """A worker process could not be started (and no cancel explains it)."""


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: Any = None


_PREPARING = object()
"""The task of a worker running the pool's preparation (``WorkerPool.prepare``)."""


def _stop(worker: _Worker) -> None:
    """Stop a worker now: an idle one is told by closing its pipe, a busy one is killed; then reap it."""
    if worker.task is None:
        worker.conn.close()  # the worker returns from ``serve`` (or its hang-up watch exits it)
    else:
        worker.process.kill()  # workers ignore SIGTERM: the parent decides, and it decided
    _reap(worker)


def _reap(worker: _Worker) -> None:
    """Wait briefly for a worker told to stop, kill it if it lingers, and close its pipe."""
    worker.process.join(_STOP_GRACE_SECONDS)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


class _Start:
    """One worker start, run on a helper thread so that the caller can give up on it at once.

    The first start of a program waits for the forkserver to import the worker libraries (seconds),
    and a start after the forkserver died restarts it. A caller cancelled meanwhile abandons the
    start; whichever side sees the worker last (the caller or the helper) stops it, so an abandoned
    worker never outlives the start.
    """

    def __init__(self, ctx: Any, stop_flag: Any) -> None:
        self._lock = threading.Lock()
        self._abandoned = False
        self._worker: _Worker | None = None
        self._error: BaseException | None = None
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=serve, args=(child_end, stop_flag), daemon=True)
        self._thread = threading.Thread(
            target=self._run, args=(process, parent_end, child_end), name="docmind-worker-start", daemon=True
        )
        self._thread.start()

    def _run(self, process: Any, parent_end: Connection, child_end: Connection) -> None:
        try:
            with starting_worker():
                process.start()
        except BaseException as exc:  # handed to the caller, which decides what it means
            parent_end.close()
            self._error = exc
            return
        finally:
            child_end.close()
        worker = _Worker(process, parent_end)
        with self._lock:
            self._worker = worker
            abandoned = self._abandoned
        if abandoned:
            _stop(worker)

    def wait(self, cancel: threading.Event) -> _Worker:
        """Return the started worker.

        Raises:
            IngestCancelled: the cancel event was set, before or after the start failed.
            WorkerStartError: the start failed and no cancel was requested.
        """
        while self._thread.is_alive():
            if cancel.is_set():
                with self._lock:
                    self._abandoned = True
                    worker = self._worker
                if worker is not None:
                    _stop(worker)
                raise IngestCancelled
            self._thread.join(_POLL_SECONDS)
        if self._error is not None:
            if cancel.is_set():  # a signal to the whole group can end the forkserver as the job is cancelled
                raise IngestCancelled from self._error
            error = self._error
            raise WorkerStartError(
                f"could not start a worker process: {type(error).__name__}: {error}"
            ) from error
        assert self._worker is not None
        return self._worker


class WorkerPool:
    """Worker processes started on first use and bound to one cancel event; a context manager."""

    def __init__(self, workers: int, cancel: threading.Event) -> None:
        self._size = workers
        self._cancel = cancel
        self._workers: list[_Worker] = []
        self._stop_flag: Any = None
        self._preparation: tuple[Callable[[Any], object], Any] | None = None
        self._prepared: _Worker | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker now, abandoning anything in flight.

        Never reads the cancel event: cleanup must not count as the job noticing a cancel that came
        after its point of no return (a published snapshot stays a success, see ``CancelFlag``).
        """
        self._tell_workers_to_stop()
        for worker in self._workers:
            _stop(worker)
        self._workers = []

    @property
    def size(self) -> int:
        """How many workers the pool may run at once."""
        return self._size

    @property
    def worker_count(self) -> int:
        """How many worker processes the pool holds now."""
        return len(self._workers)

    def prepare(self, fn: Callable[[T], object], argument: T) -> None:
        """Run ``fn(argument)`` in one worker, result ignored, once ``process_files`` has no file left for it.

        That worker is the one the next ``call`` runs in (after ``fn`` returns) and the first that
        ``release_idle`` keeps: the index build's imports then overlap the last files' parsing. A
        pool below its size (fewer files than workers) starts a worker for it.
        """
        self._preparation = (fn, argument)

    def release_idle(self, keep: int) -> None:
        """Stop idle workers beyond ``keep`` (their memory goes back before a one-worker phase).

        The prepared worker counts first among those kept, even while it is still preparing.
        """
        prepared = self._prepared if self._prepared in self._workers else None
        idle = sorted((w for w in self._workers if w.task is None), key=lambda w: w is not prepared)
        if prepared is not None and prepared.task is _PREPARING:
            keep -= 1
        for worker in idle[max(keep, 0) :]:
            _stop(worker)
            self._workers.remove(worker)

    def _spawn(self) -> _Worker:
        if self._cancel.is_set():
            raise IngestCancelled
        ctx = forkserver_context()
        if self._stop_flag is None:
            # Shared memory handed to each worker as a file descriptor: unlike a named semaphore
            # (``ctx.Event``) nothing can be gone when a late worker start unpickles it.
            self._stop_flag = ctx.RawValue("b", 0)
        worker = _Start(ctx, self._stop_flag).wait(self._cancel)
        self._workers.append(worker)
        return worker

    def _tell_workers_to_stop(self) -> None:
        """Raise the flag that busy workers check between PDF pages (they are killed right after)."""
        if self._stop_flag is not None:
            self._stop_flag.value = 1

    def _idle_worker(self) -> _Worker:
        idle = next((w for w in self._workers if w.task is None), None)
        return idle if idle is not None else self._spawn()

    def _dispatch(self, worker: _Worker, fn: Callable[[Any], Any], argument: Any) -> _Worker:
        """Hand ``fn(argument)`` to ``worker``; return the worker that took it.

        A worker that died while idle (the OOM killer, a kill by hand) is found by the send: it is
        reaped and a new worker takes the task. A new worker that cannot take it either fails the
        call with ``WorkerStartError``.
        """
        try:
            worker.conn.send((fn, argument))
        except OSError:  # BrokenPipeError, ConnectionResetError: nobody reads the other end
            self._discard(worker)
            worker = self._spawn()
            try:
                worker.conn.send((fn, argument))
            except OSError as exc:
                self._discard(worker)
                raise WorkerStartError(f"a new worker process died before its first task: {exc}") from exc
        worker.task = argument
        return worker

    def _discard(self, worker: _Worker) -> None:
        """Forget a worker whose pipe is broken, reaping its process."""
        self._workers.remove(worker)
        _reap(worker)

    def process_files(
        self, tasks: Iterable[FileTask], on_progress: FileProgress | None = None
    ) -> Iterator[FileOutcome]:
        """Yield one outcome per task in completion order.

        Tasks are pulled lazily (the caller may hash files while workers parse); no process is
        started when ``tasks`` is empty. A worker crash becomes a failed outcome for its file.
        ``on_progress`` hears when a worker takes a file (``TAKEN``: a worker that had to start
        first took its time) and, between outcomes, how far a worker is into a long file.

        Raises:
            IngestCancelled: as soon as the cancel event is set.
            WorkerStartError: no worker process could be started.
        """
        pending = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and sum(w.task is not None for w in self._workers) < self._size:
                task = next(pending, None)
                if task is None:
                    exhausted = True
                    break
                self._dispatch(self._idle_worker(), process_file, task)
                if on_progress is not None:
                    on_progress(task.rel, TAKEN)
            if exhausted:
                self._start_preparation()
            busy = [w for w in self._workers if w.task is not None and w.task is not _PREPARING]
            if not busy:
                return
            for worker, result in self._finished(busy):
                if isinstance(result, TaskProgress):
                    if on_progress is not None:
                        on_progress(worker.task.rel, result)
                    continue
                task, worker.task = worker.task, None
                if isinstance(result, WorkerCrashedError):
                    yield FileOutcome(task.rel, FileStatus.FAILED, task.sha256, error=str(result))
                elif isinstance(result, TaskError):
                    yield FileOutcome(task.rel, FileStatus.FAILED, task.sha256, error=result.message)
                else:
                    yield result

    def call(
        self, fn: Callable[[T], R], argument: T, on_progress: Callable[[TaskProgress], None] | None = None
    ) -> R:
        """Run ``fn(argument)`` in a worker and return its result; ``on_progress`` hears its progress notes.

        Raises:
            IngestCancelled: as soon as the cancel event is set.
            WorkerStartError: no worker process could be started.
            WorkerCrashedError: the worker died.
            WorkerTaskError: ``fn`` raised (the message names the original error).
        """
        worker = self._dispatch(self._prepared_worker() or self._idle_worker(), fn, argument)
        while True:
            for _, result in self._finished([worker]):
                if isinstance(result, TaskProgress):
                    if on_progress is not None:
                        on_progress(result)
                    continue
                worker.task = None
                if isinstance(result, WorkerCrashedError):
                    raise result
                if isinstance(result, TaskError):
                    raise WorkerTaskError(result.message)
                return result

    def call_each(
        self,
        fn: Callable[[T], R],
        arguments: Sequence[T],
        on_progress: Callable[[int, TaskProgress], None] | None = None,
    ) -> list[R]:
        """Run ``fn(argument)`` for every argument, in parallel on up to the pool's size of workers.

        Returns the results in the order of ``arguments``. ``on_progress`` hears each task's progress
        notes with the position of its argument.

        Raises:
            IngestCancelled: as soon as the cancel event is set (busy workers are killed).
            WorkerStartError: no worker process could be started.
            WorkerCrashedError: a worker died (the others are left to finish, then the error is raised).
            WorkerTaskError: ``fn`` raised for an argument (the message names the original error).
        """
        pending = list(enumerate(arguments))
        results: dict[int, R] = {}
        failure: Exception | None = None
        running: dict[int, int] = {}  # id(worker) -> position of its argument
        while pending or running:
            while pending and len(running) < self._size and failure is None:
                position, argument = pending.pop(0)
                worker = self._dispatch(self._prepared_worker() or self._idle_worker(), fn, argument)
                running[id(worker)] = position
            if not running:
                break
            busy = [w for w in self._workers if id(w) in running]
            for worker, result in self._finished(busy):
                if isinstance(result, TaskProgress):
                    if on_progress is not None:
                        on_progress(running[id(worker)], result)
                    continue
                position = running.pop(id(worker))
                worker.task = None
                if isinstance(result, WorkerCrashedError):
                    failure = failure or result
                elif isinstance(result, TaskError):
                    failure = failure or WorkerTaskError(result.message)
                else:
                    results[position] = result
        if failure is not None:
            raise failure
        return [results[position] for position in range(len(arguments))]

    def _start_preparation(self) -> None:
        """Hand the preparation, if one is asked for, to an idle worker, or a new one if the pool has room.

        A new one only while the pool is below its size: the cores are then not all busy parsing.
        """
        if self._preparation is None:
            return
        idle = next((w for w in self._workers if w.task is None), None)
        if idle is None and len(self._workers) < self._size:
            idle = self._spawn()
        if idle is not None:
            idle = self._dispatch(idle, *self._preparation)
            idle.task = _PREPARING
            self._preparation, self._prepared = None, idle

    def _prepared_worker(self) -> _Worker | None:
        """The prepared worker once its preparation is over (None if there is none or it died)."""
        worker, self._prepared = self._prepared, None
        if worker is None or worker not in self._workers:
            return None
        if worker.task is _PREPARING:
            ((_, result),) = self._finished([worker])
            while isinstance(result, TaskProgress):  # a preparation that reports: only its end counts
                ((_, result),) = self._finished([worker])
            worker.task = None
            if isinstance(result, WorkerCrashedError):
                return None
        return worker

    def _finished(self, busy: list[_Worker]) -> list[tuple[_Worker, Any]]:
        """Wait (checking the cancel event) until some busy workers answer or die."""
        by_handle: dict[Any, _Worker] = {}
        for worker in busy:
            by_handle[worker.conn] = worker
            by_handle[worker.process.sentinel] = worker
        while True:
            if self._cancel.is_set():
                self._tell_workers_to_stop()
                raise IngestCancelled
            ready = wait(list(by_handle), timeout=_POLL_SECONDS)
            if ready:
                break
        done: dict[int, tuple[_Worker, Any]] = {}
        for handle in ready:
            worker = by_handle[handle]
            if id(worker) in done:
                continue
            done[id(worker)] = (worker, self._receive(worker))
        return list(done.values())

    def _receive(self, worker: _Worker) -> Any:
        try:
            if worker.conn.poll():
                return worker.conn.recv()
        except (EOFError, OSError):
            pass
        worker.process.join(_STOP_GRACE_SECONDS)
        code = worker.process.exitcode
        self._workers.remove(worker)
        worker.conn.close()
        return WorkerCrashedError(f"the parser process crashed (exit code {code})")
