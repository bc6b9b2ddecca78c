"""Which process owns a job, and whether it is still alive.

A pid alone is not an identity: pids are reused. A job row records the pid *and* the process start time
(``psutil.Process.create_time``); the owner is alive only if a process with that pid exists, started at that
time, and is not a zombie (killed but not yet reaped).
"""

from __future__ import annotations

import os
from typing import NamedTuple

import psutil

_START_TOLERANCE = 0.05  # create_time has clock-tick (10 ms) resolution; a reused pid starts much later.


class ProcessIdentity(NamedTuple):
    """A process: its pid and its start time (seconds since the epoch, as psutil reports it)."""

    pid: int
    started: float


def current_process() -> ProcessIdentity:
    """Return the identity of the calling process."""
    return ProcessIdentity(os.getpid(), psutil.Process().create_time())


def is_alive(identity: ProcessIdentity) -> bool:
    """Return True if the process that ``identity`` names is still running (not reused, not a zombie)."""
    try:
        process = psutil.Process(identity.pid)
        if abs(process.create_time() - identity.started) > _START_TOLERANCE:
            return False
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.AccessDenied:
        return True  # it exists and we may not inspect it: assume alive rather than interrupt a live job
    except (psutil.NoSuchProcess, ProcessLookupError):
        return False
