"""Executors the manager can run jobs on.

Why our own pool: at interpreter exit CPython joins every non-daemon thread, and every
``concurrent.futures.ThreadPoolExecutor`` worker (documented: "all threads enqueued to ThreadPoolExecutor
will be joined before the interpreter can exit"), before any ``atexit`` hook runs. A job that ignores cancel
would keep such a process alive forever. :class:`DaemonThreadPoolExecutor` is an ``Executor`` of its own,
built on public APIs only: its workers are *daemon* threads fed by a ``queue.SimpleQueue``, and nothing in
``concurrent.futures`` knows them, so interpreter exit never waits for them. ``JobManager.shutdown`` gives
jobs a bounded time to stop (and records the rest as Interrupted): that is the only waiting done.

:class:`InlineExecutor` runs each submitted call synchronously inside ``submit`` (huey's "immediate" mode),
for deterministic tests.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

ExecutorFactory = Callable[[int], Executor]
"""Builds the executor for a manager from its ``max_workers``.

Its threads must not hold up interpreter exit (daemon threads, or none): the manager's exit hook runs
through ``atexit``, after the interpreter joined non-daemon and ``ThreadPoolExecutor`` threads.
"""


@dataclass
class _WorkItem:
    future: Future[Any]
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return  # cancelled while queued: it never runs
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)


def _work(work_queue: queue.SimpleQueue[_WorkItem | None], idle: threading.Semaphore) -> None:
    """A worker thread's loop: run items until the wake-up ``None`` (passed on, so every worker sees it)."""
    while True:
        item = work_queue.get()
        if item is None:
            work_queue.put(None)
            return
        item.run()
        del item  # drop the call's references before waiting for the next one
        idle.release()


class DaemonThreadPoolExecutor(Executor):
    """An executor whose worker threads are daemon threads: they never hold up interpreter exit.

    Contract (as ``ThreadPoolExecutor``'s): at most ``max_workers`` calls run at once, each on a worker
    thread started on demand and reused once idle; a future cancelled while queued never runs
    (``set_running_or_notify_cancel``); ``submit`` after ``shutdown`` raises ``RuntimeError``;
    ``shutdown(cancel_futures=True)`` cancels what has not started. Beyond it: ``shutdown(wait=True)``
    waits for running calls without a bound, as the stdlib does, so a caller that must not hang calls
    ``shutdown(wait=False)`` then :meth:`join_threads` with a timeout. An executor dropped without
    ``shutdown`` lets its idle threads end.

    Args:
        max_workers: Most calls running at once (at least 1).
        thread_name_prefix: Names the worker threads ``{prefix}_{n}``.
    """

    def __init__(self, max_workers: int, thread_name_prefix: str = "docmind-worker") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._queue: queue.SimpleQueue[_WorkItem | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._shutdown = False
        # Dropped without shutdown: wake the workers so they end (they hold no reference to the executor).
        weakref.finalize(self, self._queue.put, None)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn(*args, **kwargs)``; its outcome arrives in the returned future.

        Raises:
            RuntimeError: After ``shutdown``.
        """
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future: Future[T] = Future()
            self._queue.put(_WorkItem(future, fn, args, kwargs))
            self._add_thread_unless_one_is_idle()
            return future

    def _add_thread_unless_one_is_idle(self) -> None:
        """Start a worker for the item just queued, unless an idle one will take it. Hold ``self._lock``."""
        if self._idle.acquire(blocking=False) or len(self._threads) >= self._max_workers:
            return
        thread = threading.Thread(
            target=_work,
            args=(self._queue, self._idle),
            name=f"{self._prefix}_{len(self._threads)}",
            daemon=True,
        )
        thread.start()
        self._threads.append(thread)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse new calls, optionally cancel the queued ones, and let the workers end once idle.

        Args:
            wait: Wait for every worker thread to end (unbounded: see :meth:`join_threads`).
            cancel_futures: Cancel the calls that have not started.
        """
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item.future.cancel()
            self._queue.put(None)
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()

    def join_threads(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds in total for the worker threads to end (after ``shutdown``).

        Returns:
            True when every worker thread has ended.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)


class InlineExecutor(Executor):
    """Runs each call synchronously inside ``submit`` and returns an already completed ``Future``."""

    def __init__(self, max_workers: int = 1) -> None:
        self._shutdown = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` now; its outcome is in the returned future.

        Raises:
            RuntimeError: After ``shutdown``.
        """
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future[T] = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse further submissions; nothing runs in the background, so there is nothing to wait for."""
        with self._lock:
            self._shutdown = True
