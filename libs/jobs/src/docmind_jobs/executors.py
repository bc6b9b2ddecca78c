"""Executors the manager can run jobs on.

Why a daemon pool: CPython joins every ``ThreadPoolExecutor`` worker at interpreter exit
(``concurrent.futures.thread._python_exit``, registered with ``threading._register_atexit``, puts a wake-up
in each queue then joins the thread) and ``threading._shutdown`` then joins every non-daemon thread. A job
that ignores cancel would therefore keep the process alive forever. :class:`DaemonThreadPoolExecutor` is a
``ThreadPoolExecutor`` whose workers are *daemon* threads and are *not* registered in
``concurrent.futures.thread._threads_queues``: interpreter exit does not wait for them.
``JobManager.shutdown`` gives jobs a bounded time to stop (and records the rest as Interrupted) — that is the
only waiting done.

:class:`InlineExecutor` runs each submitted call synchronously inside ``submit`` (huey's "immediate" mode),
for deterministic tests.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import thread as _cf_thread
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

ExecutorFactory = Callable[[int], Executor]
"""Builds the executor for a manager from its ``max_workers``."""


class DaemonThreadPoolExecutor(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` whose worker threads never block interpreter exit.

    It overrides only ``_adjust_thread_count`` (CPython 3.11's, copied) to start daemon threads and to skip
    the ``_threads_queues`` registration that makes ``_python_exit`` join them. ``tests/jobs`` checks both
    properties, so a Python upgrade that changes these internals fails loudly.
    """

    def _adjust_thread_count(self) -> None:
        if self._idle_semaphore.acquire(timeout=0):
            return

        def weakref_cb(_: object, q: Any = self._work_queue) -> None:
            q.put(None)

        threads: set[threading.Thread] = self._threads  # pyright: ignore[reportAssignmentType]
        if len(threads) < self._max_workers:
            thread = threading.Thread(
                name=f"{self._thread_name_prefix}_{len(threads)}",
                target=_cf_thread._worker,  # pyright: ignore[reportAttributeAccessIssue]
                args=(weakref.ref(self, weakref_cb), self._work_queue, self._initializer, self._initargs),
                daemon=True,
            )
            thread.start()
            threads.add(thread)

    def join_threads(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds in total for the worker threads to end (after ``shutdown``).

        Returns:
            True when every worker thread has ended.
        """
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)


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
