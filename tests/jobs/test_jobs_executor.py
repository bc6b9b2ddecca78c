"""DaemonThreadPoolExecutor keeps the concurrent.futures contract, and its threads never hold up exit."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import weakref
from concurrent.futures import CancelledError

import pytest
from docmind_jobs import DaemonThreadPoolExecutor


def test_runs_up_to_max_workers_calls_at_once_and_queues_the_rest() -> None:
    executor = DaemonThreadPoolExecutor(2)
    together = threading.Barrier(3, timeout=10)  # two calls and this thread: both run at the same time
    release = threading.Event()
    threads: list[threading.Thread] = []
    released_first: list[bool] = []

    def blocking() -> None:
        threads.append(threading.current_thread())
        together.wait()
        release.wait(10)

    def third() -> None:
        threads.append(threading.current_thread())
        released_first.append(release.is_set())

    first, second = executor.submit(blocking), executor.submit(blocking)
    together.wait()
    queued = executor.submit(third)
    release.set()
    for future in (first, second, queued):
        future.result(timeout=10)
    assert released_first == [True]  # the third call waited for a free worker ...
    assert len(set(threads)) == 2  # ... and ran on one of the two, never on a third thread
    executor.shutdown()


def test_an_idle_worker_is_reused() -> None:
    executor = DaemonThreadPoolExecutor(4)
    ran_on = [executor.submit(threading.current_thread).result(timeout=10) for _ in range(5)]
    assert len(set(ran_on)) == 1
    executor.shutdown()


def test_a_future_cancelled_while_queued_never_runs() -> None:
    executor = DaemonThreadPoolExecutor(1)
    entered, release = threading.Event(), threading.Event()
    ran: list[str] = []
    busy = executor.submit(lambda: (entered.set(), release.wait(10)))
    assert entered.wait(10)
    queued = executor.submit(ran.append, "queued")
    assert queued.cancel()
    release.set()
    busy.result(timeout=10)
    executor.shutdown(wait=True)
    assert ran == []
    with pytest.raises(CancelledError):
        queued.result(timeout=0)


def test_shutdown_with_cancel_futures_cancels_what_has_not_started() -> None:
    executor = DaemonThreadPoolExecutor(1)
    entered, release = threading.Event(), threading.Event()
    busy = executor.submit(lambda: (entered.set(), release.wait(10)) and "done")
    assert entered.wait(10)
    queued = [executor.submit(str, n) for n in range(3)]
    executor.shutdown(wait=False, cancel_futures=True)
    assert all(future.cancelled() for future in queued)
    release.set()
    assert busy.result(timeout=10) == "done"  # the running call is never cancelled
    assert executor.join_threads(10)


def test_submit_after_shutdown_is_refused() -> None:
    executor = DaemonThreadPoolExecutor(1)
    executor.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(str, 1)


def test_a_raising_call_puts_its_exception_in_the_future() -> None:
    executor = DaemonThreadPoolExecutor(1)

    def boom() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        executor.submit(boom).result(timeout=10)
    assert executor.submit(str, 5).result(timeout=10) == "5"  # the worker survived it
    executor.shutdown()


def test_workers_are_daemon_threads_and_join_is_bounded() -> None:
    executor = DaemonThreadPoolExecutor(2)
    entered, release = threading.Event(), threading.Event()
    executor.submit(lambda: (entered.set(), release.wait(60)))
    assert entered.wait(10)
    workers = [t for t in threading.enumerate() if t.name.startswith("docmind-worker_")]
    assert workers and all(t.daemon for t in workers)
    executor.shutdown(wait=False)
    assert not executor.join_threads(0.05)  # a stuck call: the join gives up when its time is out
    release.set()
    assert executor.join_threads(10)


def test_an_executor_dropped_without_shutdown_lets_its_threads_end() -> None:
    executor = DaemonThreadPoolExecutor(1, thread_name_prefix="dropped")
    executor.submit(str, 1).result(timeout=10)
    (worker,) = [t for t in threading.enumerate() if t.name.startswith("dropped_")]
    ref = weakref.ref(executor)
    del executor
    gc.collect()
    assert ref() is None
    worker.join(10)
    assert not worker.is_alive()


def test_a_call_that_never_returns_does_not_keep_the_process_alive() -> None:
    code = (
        "import threading\n"
        "from docmind_jobs import DaemonThreadPoolExecutor\n"
        "entered = threading.Event()\n"
        "DaemonThreadPoolExecutor(1).submit(lambda: (entered.set(), threading.Event().wait()))\n"
        "entered.wait(10)\n"
        "print('blocked', flush=True)\n"
    )
    # A hang is a TimeoutExpired: the process must exit by itself, the blocked call notwithstanding.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout.strip()) == (0, "blocked"), out.stderr
