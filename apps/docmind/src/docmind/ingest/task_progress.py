"""Progress from inside a worker's task: the pages of a PDF being read, the chunks of the index being built.

A task running in a worker process calls ``report_progress(done, total)``; the worker sends a
:class:`TaskProgress` note to its parent on the task's pipe before the task's one reply, at most
every ``INTERVAL`` seconds (and always when ``final``), so a long file or build moves in the
parent's view while a short one sends nothing. Outside a worker (tests, the Ray tasks, which have
no pipe back), ``report_progress`` does nothing.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

INTERVAL = 0.2
"""Seconds between two notes of one task (the parent's own events are throttled to 0.1 s)."""

_pipe: Connection | None = None
_last = 0.0


@dataclass(frozen=True)
class TaskProgress:
    """``done`` of ``total`` units of the task a worker is running (small and picklable)."""

    done: int
    total: int


TAKEN = TaskProgress(0, 0)
"""The note a pool gives its caller when a worker takes a task (no unit done yet, none known)."""


def attach(pipe: Connection) -> None:
    """Send this process's notes on ``pipe`` (the worker's pipe to its parent)."""
    global _pipe
    _pipe = pipe


def task_started() -> None:
    """Start the interval anew: the first note of a task comes ``INTERVAL`` after it began."""
    global _last
    _last = time.monotonic()


def report_progress(done: int, total: int, *, final: bool = False) -> None:
    """Tell the parent that the running task has done ``done`` of ``total`` units (throttled).

    A pipe that broke is left alone: the parent is gone or stopping this worker, and the task's
    reply will find out.
    """
    global _last
    if _pipe is None:
        return
    now = time.monotonic()
    if not final and now - _last < INTERVAL:
        return
    _last = now
    with contextlib.suppress(OSError):
        _pipe.send(TaskProgress(done, total))
