"""Worker processes for the heavy work: parse + split per file, then the index build.

Workers come from a ``forkserver`` context whose server preloads the splitter and the index
libraries, so workers start in milliseconds and the (multi-threaded) Streamlit server is never
forked. Workers are started with the parent's ``__main__`` hidden: under Streamlit, ``__main__``
is the page script, and multiprocessing would otherwise re-run it in every worker (our task
functions never live in ``__main__``).

Each worker owns a pipe and runs one task at a time, so the parent always knows which task a
worker holds: a worker that dies (a parser crash, the OOM killer) fails only its own file and is
replaced; nothing waits forever. When the cancel event is set, a shared process event tells
workers to stop between PDF pages and every worker is terminated (in-flight work abandoned), so
the caller regains control well within 0.5 s. Workers exit on their own when the parent dies
(their pipe closes).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.spawn
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, TypeVar

from docmind.ingest.worker import OUTCOME_FAILED, FileOutcome, FileTask, TaskError, process_file, serve

_POLL_SECONDS = 0.05
_STOP_GRACE_SECONDS = 0.2
_context_lock = threading.Lock()
_context: Any = None
T = TypeVar("T")
R = TypeVar("R")


class IngestCancelled(Exception):
    """The cancel event was set while work was in progress."""


class WorkerCrashedError(RuntimeError):
    """A worker process died while running a task."""


class WorkerTaskError(RuntimeError):
    """A task raised inside a worker; the message names the original error type and text."""


def _forkserver_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["docmind.ingest.worker_preload"])
            _context = ctx
        return _context


@contextlib.contextmanager
def _parent_main_hidden() -> Iterator[None]:
    """While a worker starts, leave the parent's ``__main__`` out of its preparation data."""
    original = multiprocessing.spawn.get_preparation_data

    def without_main(name: str) -> dict[str, Any]:
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    with _context_lock:
        multiprocessing.spawn.get_preparation_data = without_main
        try:
            yield
        finally:
            multiprocessing.spawn.get_preparation_data = original


_ready = threading.Event()
_warm_lock = threading.Lock()
_warming: threading.Thread | None = None


def _noop() -> None:
    """What the warm-up probe process runs."""


def _start_probe(ctx: Any) -> None:
    try:
        probe = ctx.Process(target=_noop, daemon=True)
        with _parent_main_hidden():
            probe.start()
        probe.join()
    except Exception:  # the real start will report the problem
        return
    _ready.set()


def _wait_until_forkserver_ready(ctx: Any, cancel: threading.Event) -> None:
    """Wait until the forkserver has imported the worker libraries, but raise `IngestCancelled` on cancel.

    The first process started in a program waits for the forkserver's preload (seconds), which must not
    hold up a cancel (or a SIGTERM's 3 s exit budget). A throwaway probe process, with no arguments and
    nothing to clean up, is started on a helper thread; a cancel leaves the helper to finish on its own.
    """
    global _warming
    if _ready.is_set():
        return
    with _warm_lock:
        if _warming is None or not _warming.is_alive():
            _warming = threading.Thread(target=_start_probe, args=(ctx,), name="docmind-warmup", daemon=True)
            _warming.start()
        warming = _warming
    while warming.is_alive():
        if cancel.is_set():
            raise IngestCancelled
        warming.join(_POLL_SECONDS)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: Any = None


def _reap(worker: _Worker) -> None:
    """Wait briefly for a worker told to stop, kill it if it lingers, and close its pipe."""
    worker.process.join(_STOP_GRACE_SECONDS)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


class WorkerPool:
    """Worker processes started on first use and bound to one cancel event; a context manager."""

    def __init__(self, workers: int, cancel: threading.Event) -> None:
        self._size = workers
        self._cancel = cancel
        self._workers: list[_Worker] = []
        self._process_cancel: Any = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker now, abandoning anything in flight.

        An idle worker of a job that was not cancelled is stopped by closing its pipe: it returns from
        ``serve`` and exits normally, running its exit handlers (a library's multiprocessing lock in it,
        such as tqdm's, would otherwise leave a named semaphore behind for every ingestion).
        """
        if self._process_cancel is not None:
            self._process_cancel.set()
        # Event.is_set itself: a job's CancelFlag counts its own is_set() as the job noticing the cancel,
        # and choosing how to stop idle workers (after a commit, say) is not the job giving up its result.
        cancelled = threading.Event.is_set(self._cancel)
        for worker in self._workers:
            if worker.task is None and not cancelled:
                worker.conn.close()
            else:
                worker.process.terminate()
        for worker in self._workers:
            _reap(worker)
        self._workers = []

    @property
    def worker_count(self) -> int:
        """How many worker processes the pool holds now."""
        return len(self._workers)

    def release_idle(self, keep: int) -> None:
        """Stop idle workers beyond ``keep`` (their memory goes back before a one-worker phase)."""
        idle = [w for w in self._workers if w.task is None]
        for worker in idle[keep:]:
            worker.conn.close()  # the worker returns from ``serve`` and exits normally
            _reap(worker)
            self._workers.remove(worker)

    def _spawn(self) -> _Worker:
        ctx = _forkserver_context()
        _wait_until_forkserver_ready(ctx, self._cancel)
        if self._process_cancel is None:
            self._process_cancel = ctx.Event()
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=serve, args=(child_end, self._process_cancel), daemon=True)
        with _parent_main_hidden():
            process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _idle_worker(self) -> _Worker:
        idle = next((w for w in self._workers if w.task is None), None)
        return idle if idle is not None else self._spawn()

    def _dispatch(self, worker: _Worker, fn: Callable[[Any], Any], argument: Any) -> None:
        worker.task = argument
        worker.conn.send((fn, argument))

    def process_files(self, tasks: Iterable[FileTask]) -> Iterator[FileOutcome]:
        """Yield one outcome per task in completion order.

        Tasks are pulled lazily (the caller may hash files while workers parse); no process is
        started when ``tasks`` is empty. A worker crash becomes a failed outcome for its file.

        Raises:
            IngestCancelled: as soon as the cancel event is set.
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
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                return
            for worker, result in self._finished(busy):
                task, worker.task = worker.task, None
                if isinstance(result, WorkerCrashedError):
                    yield FileOutcome(task.rel, OUTCOME_FAILED, task.sha256, error=str(result))
                elif isinstance(result, TaskError):
                    yield FileOutcome(task.rel, OUTCOME_FAILED, task.sha256, error=result.message)
                else:
                    yield result

    def call(self, fn: Callable[[T], R], argument: T) -> R:
        """Run ``fn(argument)`` in a worker and return its result.

        Raises:
            IngestCancelled: as soon as the cancel event is set.
            WorkerCrashedError: the worker died.
            WorkerTaskError: ``fn`` raised (the message names the original error).
        """
        worker = self._idle_worker()
        self._dispatch(worker, fn, argument)
        while True:
            for _, result in self._finished([worker]):
                worker.task = None
                if isinstance(result, WorkerCrashedError):
                    raise result
                if isinstance(result, TaskError):
                    raise WorkerTaskError(result.message)
                return result

    def _finished(self, busy: list[_Worker]) -> list[tuple[_Worker, Any]]:
        """Wait (checking the cancel event) until some busy workers answer or die."""
        by_handle: dict[Any, _Worker] = {}
        for worker in busy:
            by_handle[worker.conn] = worker
            by_handle[worker.process.sentinel] = worker
        while True:
            if self._cancel.is_set():
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
