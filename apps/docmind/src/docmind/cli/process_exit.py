"""How the ``docmind`` program ends once its command has returned its exit code.

The end must hold against signals and against Ray. A terminal's Ctrl-C signals every process of the
foreground group, and ``uv run docmind …`` forwards it to the command once more, a moment later; a
service manager may repeat its SIGTERM. And Python's own finalization is not reliable in a process
that has loaded Ray: it runs Ray's ``atexit`` hook (``ray.shutdown``: it sleeps, imports modules and
stops the runtime's processes one at a time) with Python's default SIGINT handler back in place, and
tears the interpreter down beside Ray's threads, or beside a ``ray.init`` still running in one.
Measured before this module existed: a ``KeyboardInterrupt`` traceback from that hook, an abort with
a C++ stack dump (exit 134), a process still running 20 s after the signal; and, once its script had
ended, a process that used Ray waited at exit for more than ten minutes.

Steps (ADR-057, decision 11):

1. Signals are only remembered from now on (`Interrupts.settle`); the command's output is complete.
2. The Ray connection, if the command made one, is ended (``ray_runtime.end_in_background``):
   ``ray.shutdown`` gets `RAY_SHUTDOWN_S`, cut to `AFTER_SIGNAL_S` once a stop signal has come (the
   contract is an exit within 3 s of the signal, FR-041). A connection still being made cannot be
   ended (``ray.init`` cannot be interrupted). What a local runtime still runs then is killed, its
   whole process tree (``ray_local_runtime``): the raylet's agents and workers would outlive the
   process by a minute or more.
3. Standard output and standard error are flushed.
4. A process that loaded Ray, or got a stop signal, then ends at once (``os._exit``): the command
   has closed its job, its workers and its worker server, so all Python's finalization would still do
   is what a late signal could cut short or what runs beside Ray. Any other process leaves through
   Python's normal exit.

This module imports only the standard library and ``docmind.cli.interrupts``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import NoReturn

from docmind.cli.interrupts import Interrupts

RAY_SHUTDOWN_S = 10.0
"""How long ``ray.shutdown`` may take when no stop signal came (it stops a local runtime's processes)."""
AFTER_SIGNAL_S = 1.0
"""How long ``ray.shutdown`` may go on once a stop signal has come."""
_POLL_S = 0.05


def exit_process(code: int, interrupts: Interrupts) -> NoReturn:
    """End this process with ``code`` once its command is over; see the module docstring for the steps."""
    interrupts.settle()
    _end_ray(interrupts)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away, a closed stream
            stream.flush()
    if "ray" in sys.modules or interrupts.received is not None:
        os._exit(code)
    sys.exit(code)


def _end_ray(interrupts: Interrupts) -> None:
    """End the process's Ray connection, if any, as step 2 of the module docstring says."""
    if "docmind.executors.ray.runtime" not in sys.modules:
        return  # no ingestion ran here, so no Ray connection either
    from docmind.executors.ray.local_runtime import kill_local_runtime
    from docmind.executors.ray.runtime import end_in_background

    ended = end_in_background()
    if ended is None or not _waited(ended, interrupts):
        kill_local_runtime()


def _waited(ended: threading.Event, interrupts: Interrupts) -> bool:
    """Wait for ``ended`` as long as step 2 allows; whether it came."""
    deadline = time.monotonic() + RAY_SHUTDOWN_S
    while not ended.wait(_POLL_S):
        now = time.monotonic()
        if interrupts.received is not None and deadline > now + AFTER_SIGNAL_S:
            deadline = now + AFTER_SIGNAL_S
        if now >= deadline:
            return False
    return True
