"""Functions run inside ingestion worker processes by tests (importable by module name)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from docmind.executors.task_context import report_progress, stop_requested
from docmind.ingest.parse.chunk_cache import CachedChunk, CacheEntry, ChunkCache


def echo(value: int) -> int:
    """Return ``value``."""
    return value


def count_with_notes(steps: int) -> int:
    """Send a progress note per step (each one final, so none is throttled away), then return ``steps``."""
    for step in range(1, steps + 1):
        report_progress(step, steps, final=True)
    return steps


def note_pid_after_a_pause(path: str) -> None:
    """Wait a moment (a preparation that takes time), then write this worker's pid to ``path``."""
    time.sleep(0.3)
    Path(path).write_text(str(os.getpid()))


def crash(code: int) -> None:
    """Kill the worker process abruptly, as a native parser crash would."""
    os._exit(code)


def fail(message: str) -> None:
    """Raise in the worker."""
    raise OSError(28, message)


def fail_on_two(value: int) -> int:
    """Return ``value``, except for 2: raise."""
    if value == 2:
        raise OSError(5, "two")
    return value


def block_forever(_: object) -> None:
    """Never return (the pool must be able to abandon it)."""
    threading.Event().wait()


def die_holding_the_progress_lock(_: object) -> None:
    """Take tqdm's lock (as a progress bar does) and die holding it, as a cancelled worker can."""
    from tqdm import tqdm

    tqdm.get_lock().acquire()
    os._exit(9)


def block_after_writing_pid(path: str) -> None:
    """Write this worker's pid to ``path`` (whole when the path appears), then never return."""
    partial = Path(f"{path}.partial")
    partial.write_text(str(os.getpid()))
    partial.replace(path)
    threading.Event().wait()


def die_between_cache_write_and_rename(cache: ChunkCache) -> None:
    """Write a cache entry and die after its temporary file is written, before it is renamed into place.

    What a worker killed by a cancel in the middle of ``ChunkCache.put`` leaves behind.
    """

    def killed(self: Path, target: object) -> None:
        os._exit(9)

    Path.replace = killed  # type: ignore[method-assign]  # this worker dies in it: nothing else runs
    cache.put(CacheEntry(sha256="ab" * 32, pages=1, chunks=(CachedChunk(text="hello", terms="hello"),)))


def own_pid(_: object) -> int:
    """The worker's process id."""
    return os.getpid()


def block_until_asked_to_stop(path: str) -> None:
    """Write the pid to ``path``; once asked to stop, touch ``<path>.stop-requested``; never return."""
    Path(path).write_text(str(os.getpid()))
    pause = threading.Event()  # never set
    while not stop_requested():
        pause.wait(0.01)
    Path(path + ".stop-requested").touch()
    pause.wait()


def say_started(mark: str) -> int:
    """Create the file ``mark`` (this call has started), then return this worker's pid."""
    Path(mark).touch()
    return os.getpid()


def where_it_ran(value: int) -> tuple[int, str, int]:
    """``value``, with the Ray node and the process that ran it (called in a Ray actor)."""
    import ray

    return value, ray.get_runtime_context().get_node_id(), os.getpid()
