"""Run file tasks in worker processes with a bounded in-flight window and prompt cancellation.

Workers come from a ``forkserver`` context whose server preloads the splitter, so a new pool
starts in milliseconds and never forks the (multi-threaded) Streamlit server itself. Workers are
started with the parent's ``__main__`` hidden: under Streamlit, ``__main__`` is the page script,
and multiprocessing would otherwise re-run it in every worker (our task functions never live in
``__main__``). At most
``2 × workers`` tasks are in flight; outcomes stream back in completion order. When the cancel
event is set, the shared process event tells workers to stop between PDF pages, and the pool
is terminated (in-flight work abandoned) so the caller regains control well within 0.5 s.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.spawn
import queue
import threading
from collections.abc import Iterable, Iterator
from multiprocessing.pool import Pool
from typing import Any

from docmind.ingest.worker import FileOutcome, FileTask, init_worker, process_file

_POLL_SECONDS = 0.05
_context_lock = threading.Lock()
_context: Any = None


class IngestCancelled(Exception):
    """The cancel event was set while files were being processed."""


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


def run_tasks(tasks: Iterable[FileTask], *, workers: int, cancel: threading.Event) -> Iterator[FileOutcome]:
    """Yield one outcome per task, in completion order.

    Tasks are pulled lazily (so the caller may hash files while workers parse); no process is
    started when ``tasks`` is empty.

    Raises:
        IngestCancelled: as soon as ``cancel`` is set; in-flight tasks are abandoned.
    """
    pending = iter(tasks)
    first = next(pending, None)
    if first is None:
        return
    ctx = _forkserver_context()
    process_cancel = ctx.Event()
    results: queue.Queue[FileOutcome | BaseException] = queue.Queue()
    window = max(2, 2 * workers)
    with _parent_main_hidden():
        pool: Pool = ctx.Pool(processes=workers, initializer=init_worker, initargs=(process_cancel,))
    try:
        pool.apply_async(process_file, (first,), callback=results.put, error_callback=results.put)
        in_flight = 1
        exhausted = False
        while True:
            while not exhausted and in_flight < window:
                task = next(pending, None)
                if task is None:
                    exhausted = True
                    break
                pool.apply_async(process_file, (task,), callback=results.put, error_callback=results.put)
                in_flight += 1
            if in_flight == 0:
                return
            outcome = _next_result(results, cancel)
            if outcome is None:
                process_cancel.set()
                raise IngestCancelled
            in_flight -= 1
            if isinstance(outcome, BaseException):
                raise outcome
            yield outcome
    finally:
        if cancel.is_set():
            process_cancel.set()
        pool.terminate()
        pool.join()


def _next_result(results: queue.Queue[Any], cancel: threading.Event) -> Any:
    while not cancel.is_set():
        try:
            return results.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            continue
    return None
