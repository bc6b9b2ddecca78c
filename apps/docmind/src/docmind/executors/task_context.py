"""What a task sees of the worker it runs in: where its progress notes go, and whether it should stop.

Progress: the pages of a PDF being read, the chunks of the index being built. A task running in a
worker process calls ``report_progress(done, total)``; the worker sends a
:class:`TaskProgress` note to its parent on the task's channel before the task's one reply, at most
every ``INTERVAL`` seconds (and always when ``final``), so a long file or build moves in the
parent's view while a short one sends nothing. A Ray call that reports (``docmind.executors.ray.tasks``)
attaches itself for its run and detaches after. Elsewhere (tests, the Ray parse tasks, which have no
channel back), ``report_progress`` does nothing.

Stop: a task calls ``stop_requested()`` at its safe points (between PDF pages); it is true once the
job was cancelled and the worker was told. Outside a worker it is always false.

A local worker (``docmind.executors.local.worker_main``) attaches itself when it starts, and starts the
interval anew with every task.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

INTERVAL = 0.2
"""Seconds between two notes of one task (the parent's own events are throttled to 0.1 s)."""

_send: Callable[[TaskProgress], None] | None = None
_stop_check: Callable[[], bool] | None = None
_last = 0.0


@dataclass(frozen=True)
class TaskProgress:
    """``done`` of ``total`` units of the task a worker is running (small and picklable)."""

    done: int
    total: int


TAKEN = TaskProgress(0, 0)
"""The note a pool gives its caller when a worker takes a task (no unit done yet, none known)."""


def attach(send: Callable[[TaskProgress], None], stop_check: Callable[[], bool]) -> None:
    """Hand this process's notes to ``send`` (the worker's way to its parent, which may raise ``OSError``).

    ``stop_check`` answers :func:`stop_requested` from then on.
    """
    global _send, _stop_check
    _send, _stop_check = send, stop_check


def detach() -> None:
    """Send this process's notes nowhere again (a Ray worker runs other tasks after a reporting one)."""
    global _send, _stop_check
    _send, _stop_check = None, None


def stop_requested() -> bool:
    """Whether the running task was asked to stop (false outside a worker)."""
    return _stop_check is not None and _stop_check()


def task_started() -> None:
    """Start the interval anew: the first note of a task comes ``INTERVAL`` after it began."""
    global _last
    _last = time.monotonic()


def report_progress(done: int, total: int, *, final: bool = False) -> None:
    """Tell the parent that the running task has done ``done`` of ``total`` units (throttled).

    A channel that broke is left alone: the parent is gone or stopping this worker, and the task's
    reply will find out.
    """
    global _last
    if _send is None:
        return
    now = time.monotonic()
    if not final and now - _last < INTERVAL:
        return
    _last = now
    with contextlib.suppress(OSError):
        _send(TaskProgress(done, total))
