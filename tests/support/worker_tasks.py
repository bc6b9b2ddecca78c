"""Functions run inside ingestion worker processes by tests (importable by module name)."""

from __future__ import annotations

import os
import threading


def echo(value: int) -> int:
    """Return ``value``."""
    return value


def crash(code: int) -> None:
    """Kill the worker process abruptly, as a native parser crash would."""
    os._exit(code)


def fail(message: str) -> None:
    """Raise in the worker."""
    raise OSError(28, message)


def block_forever(_: object) -> None:
    """Never return (the pool must be able to abandon it)."""
    threading.Event().wait()


def die_holding_the_progress_lock(_: object) -> None:
    """Take tqdm's lock (as a progress bar does) and die holding it, as a cancelled worker can."""
    from tqdm import tqdm

    tqdm.get_lock().acquire()
    os._exit(9)
