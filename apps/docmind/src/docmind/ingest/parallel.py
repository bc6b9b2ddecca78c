"""Worker processes for the heavy work: parse + split per file, then the index build.

Workers come from a ``forkserver`` context whose server preloads the splitter and the index
libraries, so a new pool starts in milliseconds and never forks the (multi-threaded) Streamlit
server itself. Workers are started with the parent's ``__main__`` hidden: under Streamlit,
``__main__`` is the page script, and multiprocessing would otherwise re-run it in every worker
(our task functions never live in ``__main__``).

A :class:`WorkerPool` starts its processes on first use. File tasks stream through a window of
``2 x workers`` tasks in flight; outcomes come back in completion order. When the cancel event is
set, a shared process event tells workers to stop between PDF pages and the pool is terminated
(in-flight work abandoned), so the caller regains control well within 0.5 s.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.spawn
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import Pool
from types import TracebackType
from typing import Any, TypeVar

from docmind.ingest.worker import FileOutcome, FileTask, init_worker, process_file

_POLL_SECONDS = 0.05
_context_lock = threading.Lock()
_context: Any = None
T = TypeVar("T")
R = TypeVar("R")


class IngestCancelled(Exception):
    """The cancel event was set while work was in progress."""


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
    """While workers start, leave the parent's ``__main__`` out of their preparation data."""
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


class WorkerPool:
    """A lazily started process pool bound to one cancel event; use it as a context manager."""

    def __init__(self, workers: int, cancel: threading.Event) -> None:
        self._workers = workers
        self._cancel = cancel
        self._pool: Pool | None = None
        self._process_cancel: Any = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers now (abandoning anything in flight)."""
        if self._pool is None:
            return
        if self._cancel.is_set():
            self._process_cancel.set()
        self._pool.terminate()
        self._pool.join()
        self._pool = None

    def _started(self) -> Pool:
        if self._pool is not None:
            return self._pool
        ctx = _forkserver_context()
        self._process_cancel = ctx.Event()
        with _parent_main_hidden():
            pool = ctx.Pool(
                processes=self._workers, initializer=init_worker, initargs=(self._process_cancel,)
            )
        self._pool = pool
        return pool

    def process_files(self, tasks: Iterable[FileTask]) -> Iterator[FileOutcome]:
        """Yield one outcome per task in completion order.

        Tasks are pulled lazily (the caller may hash files while workers parse); no process is
        started when ``tasks`` is empty.

        Raises:
            IngestCancelled: as soon as the cancel event is set.
        """
        results: queue.Queue[Any] = queue.Queue()
        window = max(2, 2 * self._workers)
        pending = iter(tasks)
        in_flight = 0
        exhausted = False
        while True:
            while not exhausted and in_flight < window:
                task = next(pending, None)
                if task is None:
                    exhausted = True
                    break
                self._started().apply_async(
                    process_file, (task,), callback=results.put, error_callback=results.put
                )
                in_flight += 1
            if in_flight == 0:
                return
            outcome = self._next_result(results)
            in_flight -= 1
            if isinstance(outcome, BaseException):
                raise outcome
            yield outcome

    def call(self, fn: Callable[[T], R], argument: T) -> R:
        """Run ``fn(argument)`` in a worker and return its result.

        Raises:
            IngestCancelled: as soon as the cancel event is set (the worker is terminated on close).
        """
        results: queue.Queue[Any] = queue.Queue()
        self._started().apply_async(fn, (argument,), callback=results.put, error_callback=results.put)
        result = self._next_result(results)
        if isinstance(result, BaseException):
            raise result
        return result

    def _next_result(self, results: queue.Queue[Any]) -> Any:
        while not self._cancel.is_set():
            try:
                return results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
        self._process_cancel.set()
        raise IngestCancelled
