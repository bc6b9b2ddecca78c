"""Worker processes for the heavy work: parse + split per file, then the index build.

Workers are forked from this process's worker server (:mod:`docmind.executors.local.worker_server`, our
own fork server), so they start in milliseconds, never run this process's ``__main__`` and the
(multi-threaded) Streamlit server is never forked. When its preload left the index libraries out, the
worker that will build the index imports them while the last files are still parsed
(``WorkerPool.prepare``). How workers treat stop signals and die with the job's process is in
:mod:`docmind.executors.local.forkserver` and :mod:`docmind.executors.local.worker_main`.

Each worker owns a task channel and runs one task at a time, so the parent always knows which task a
worker holds, and whose progress notes (``task_context.TaskProgress``) it reads before the reply (a
stream of calls, ``call_stream``, queues a few calls on one worker: their replies come in that order):
a worker that dies (a parser crash, the OOM killer) fails only its own file and is replaced; one
that died while idle is replaced when the next task is sent to it, and that task runs in the new
worker; nothing waits forever. Every wait of the caller checks the cancel event, starting a
worker included (the first start of a program waits for the server's preload, seconds): a cancel
abandons the work at once; busy workers are asked to stop (``task_context.stop_requested``) and
killed right after. Killing is safe because every write a worker makes is an atomic rename into the
chunk cache or lands inside the job's snapshot workspace, which the cancelled job removes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from types import TracebackType
from typing import Any, TypeVar

from docmind.executors.errors import IngestCancelled, WorkerCrashedError, WorkerStartError, WorkerTaskError
from docmind.executors.local import forkserver
from docmind.executors.local.protocol import Done, Note
from docmind.executors.local.worker_process import TaskFailedError, WorkerExitedError, WorkerProcess
from docmind.executors.local.worker_server import fork_server
from docmind.executors.task_context import TAKEN, TaskProgress
from docmind.ingest.parse.file_task import FileOutcome, FileTask, process_file
from docmind.segments.file_status import FileStatus

_POLL_SECONDS = 0.05
_STOP_GRACE_SECONDS = 0.2
T = TypeVar("T")
R = TypeVar("R")
FileProgress = Callable[[str, TaskProgress], None]
"""Told (file's relative name, its progress) while a worker reads a long file."""
_Message = Note | Done | WorkerTaskError | WorkerCrashedError
"""What a busy worker said: a progress note, its reply, or why there is none."""


@dataclass
class _Worker:
    process: WorkerProcess
    task: Any = None


_PREPARING = object()
"""The task of a worker running the pool's preparation (``WorkerPool.prepare``)."""
_END: Any = object()
"""What ``next`` gives for an argument stream that has no more."""


class WorkerPool:
    """Worker processes started on first use and bound to one cancel event; a context manager."""

    def __init__(self, workers: int, cancel: threading.Event) -> None:
        self._size = workers
        self._cancel = cancel
        self._workers: list[_Worker] = []
        self._preparation: tuple[Callable[[Any], object], Any] | None = None
        self._prepared: _Worker | None = None
        self._last: _Worker | None = None

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
        self._ask_busy_workers_to_stop()
        for worker in self._workers:
            if worker.task is not None:
                worker.process.kill()  # workers ignore SIGTERM: the parent decides, and it decided
        for worker in self._workers:
            worker.process.close(_STOP_GRACE_SECONDS)  # an idle one exits as its channel closes
        self._workers = []

    @property
    def size(self) -> int:
        """How many workers the pool may run at once."""
        return self._size

    @property
    def slots(self) -> int:
        """How many files may be in flight at once: one per worker, the pool's size."""
        return self._size

    @property
    def worker_count(self) -> int:
        """How many worker processes the pool holds now."""
        return len(self._workers)

    @property
    def shares_storage(self) -> bool:
        """Always: the workers are processes of this machine."""
        return True

    def prepare(self, fn: Callable[[T], object], argument: T) -> None:
        """Run ``fn(argument)`` in one worker, result ignored, once ``process_files`` has no file left for it.

        That worker is the one the next ``call`` runs in (after ``fn`` returns) and the first that
        ``release_idle`` keeps: the index build's imports then overlap the last files' parsing. A
        pool below its size (fewer files than workers) starts a worker for it; a pool that parsed
        nothing starts none (there is no parsing to overlap, and an ingestion that finds nothing
        changed needs no worker at all): the next ``call`` then starts one and ``fn`` is not run.
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
            worker.process.close(_STOP_GRACE_SECONDS)
            self._workers.remove(worker)

    def _spawn(self) -> _Worker:
        """Start a worker; the wait (for the server's preload, on a program's first start) checks the cancel.

        Raises:
            IngestCancelled: the cancel event was set, before or after the start failed (a signal to
                the whole process group can end the server as the job is cancelled).
            WorkerStartError: the start failed and no cancel was requested.
        """
        if self._cancel.is_set():
            raise IngestCancelled
        try:
            process = fork_server().spawn(self._cancel)
        except forkserver.WorkerStartCancelledError:
            raise IngestCancelled from None
        except forkserver.WorkerStartError as exc:
            raise WorkerStartError(str(exc)) from exc
        worker = _Worker(process)
        self._workers.append(worker)
        return worker

    def _ask_busy_workers_to_stop(self) -> None:
        """Tell busy workers to stop at their next check between PDF pages (they are killed right after)."""
        for worker in self._workers:
            if worker.task is not None:
                worker.process.request_stop()

    def _idle_worker(self) -> _Worker:
        """An idle worker, the one that took the last task first (what it loaded is kept), or a new one."""
        idle = [w for w in self._workers if w.task is None]
        if self._last in idle:
            return self._last
        return idle[0] if idle else self._spawn()

    def _dispatch(self, worker: _Worker, fn: Callable[[Any], Any], argument: Any) -> _Worker:
        """Hand ``fn(argument)`` to ``worker``; return the worker that took it.

        A worker that died while idle (the OOM killer, a kill by hand) is found by the send: it is
        reaped and a new worker takes the task. A new worker that cannot take it either fails the
        call with ``WorkerStartError``.
        """
        try:
            worker.process.send(fn, argument)
        except OSError:  # BrokenPipeError, ConnectionResetError: nobody reads the other end
            self._discard(worker)
            worker = self._spawn()
            try:
                worker.process.send(fn, argument)
            except OSError as exc:
                self._discard(worker)
                raise WorkerStartError(f"a new worker process died before its first task: {exc}") from exc
        worker.task = argument
        self._last = worker
        return worker

    def _discard(self, worker: _Worker) -> None:
        """Forget a worker that is gone, reaping its process."""
        self._workers.remove(worker)
        worker.process.close(_STOP_GRACE_SECONDS)

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
            for worker, message in self._finished(busy):
                if isinstance(message, Note):
                    if on_progress is not None:
                        on_progress(worker.task.rel, message.value)
                    continue
                task, worker.task = worker.task, None
                if isinstance(message, Done):
                    yield message.value
                else:
                    yield FileOutcome(task.rel, FileStatus.FAILED, task.sha256, error=str(message))

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
            for _, message in self._finished([worker]):
                if isinstance(message, Note):
                    if on_progress is not None:
                        on_progress(message.value)
                    continue
                worker.task = None
                if isinstance(message, Done):
                    return message.value
                raise message

    def warm_up(self, fn: Callable[[T], R], argument: T) -> list[R]:
        """Run ``fn(argument)`` in the worker that ``call_stream`` uses next (the prepared one, if any).

        Returns: the one result, in a list (the local pool has one batch worker).

        Raises:
            IngestCancelled: as soon as the cancel event is set.
            WorkerStartError: no worker process could be started.
            WorkerCrashedError: the worker died.
            WorkerTaskError: ``fn`` raised (the message names the original error).
        """
        return [self.call(fn, argument)]

    def call_stream(
        self, fn: Callable[[T], R], arguments: Iterable[T], per_worker: int = 2
    ) -> Generator[R, None, None]:
        """Yield ``fn(argument)`` for each argument, in the arguments' order, run in one worker.

        The worker is the one the last ``call`` used (the prepared one first). Up to ``per_worker``
        calls are sent to it at once: one runs, the next wait in the worker, so it never waits for
        this process to read a reply and send the next call. Arguments are pulled lazily, only
        when there is room. Progress notes of the calls are ignored. A stream left before its end
        (the caller stopped, a call failed, a cancel) stops that worker with the calls it still held.

        Raises:
            IngestCancelled: as soon as the cancel event is set.
            WorkerStartError: no worker process could be started.
            WorkerCrashedError: the worker died (the calls sent after the one it was running are lost).
            WorkerTaskError: ``fn`` raised for an argument (the message names the original error).
        """
        pending = iter(arguments)
        worker: _Worker | None = None
        queued = 0
        try:
            while True:
                while queued < max(per_worker, 1) and (argument := next(pending, _END)) is not _END:
                    if worker is None or queued == 0:
                        worker = self._dispatch(self._prepared_worker() or self._idle_worker(), fn, argument)
                    else:
                        with contextlib.suppress(OSError):  # it died: its reply says so below
                            worker.process.send(fn, argument)
                    queued += 1
                if worker is None or queued == 0:
                    return
                for _, message in self._finished([worker]):
                    if isinstance(message, Note):
                        continue
                    queued -= 1
                    if queued == 0:
                        worker.task = None
                    if not isinstance(message, Done):
                        raise message
                    yield message.value
        finally:
            if queued and worker in self._workers:  # it holds calls nobody will read
                worker.process.kill()
                self._discard(worker)

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
            for worker, message in self._finished(busy):
                if isinstance(message, Note):
                    if on_progress is not None:
                        on_progress(running[id(worker)], message.value)
                    continue
                position = running.pop(id(worker))
                worker.task = None
                if isinstance(message, Done):
                    results[position] = message.value
                else:
                    failure = failure or message
        if failure is not None:
            raise failure
        return [results[position] for position in range(len(arguments))]

    def _start_preparation(self) -> None:
        """Hand the preparation, if one is asked for, to an idle worker, or a new one if the pool has room.

        A new one only while the pool runs workers and is below its size: the cores are then not all
        busy parsing.
        """
        if self._preparation is None or not self._workers:
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
            ((_, message),) = self._finished([worker])
            while isinstance(message, Note):  # a preparation that reports: only its end counts
                ((_, message),) = self._finished([worker])
            worker.task = None
            if isinstance(message, WorkerCrashedError):
                return None
        return worker

    def _finished(self, busy: list[_Worker]) -> list[tuple[_Worker, _Message]]:
        """Wait (checking the cancel event) until some busy workers say something or die."""
        by_handle: dict[Any, _Worker] = {}
        for worker in busy:
            by_handle[worker.process.connection] = worker
            by_handle[worker.process.sentinel] = worker
        while True:
            if self._cancel.is_set():
                self._ask_busy_workers_to_stop()
                raise IngestCancelled
            ready = wait(list(by_handle), timeout=_POLL_SECONDS)
            if ready:
                break
        done: dict[int, tuple[_Worker, _Message]] = {}
        for handle in ready:
            worker = by_handle[handle]
            if id(worker) in done:
                continue
            done[id(worker)] = (worker, self._receive(worker))
        return list(done.values())

    def _receive(self, worker: _Worker) -> _Message:
        """Read one message of a worker that is ready (a dead one is forgotten and reaped)."""
        try:
            return worker.process.read()
        except TaskFailedError as exc:
            return WorkerTaskError(str(exc))
        except WorkerExitedError as exc:
            self._workers.remove(worker)
            worker.process.close(_STOP_GRACE_SECONDS)
            return WorkerCrashedError(f"the parser process crashed (exit code {exc.exitcode})")
