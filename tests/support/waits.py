"""Waiting on a condition with a deadline, for tests whose other side is another process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

_POLL = 0.01


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Return once ``condition()`` is true; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: a wait that reads as what it is
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        pause.wait(_POLL)


def wait_for_path(path: Path, timeout: float) -> None:
    """Return once ``path`` exists (another process creates it); AssertionError after ``timeout`` seconds."""
    wait_until(path.exists, timeout, f"{path} to appear")
