"""A small daemon thread that calls a function periodically until stopped (huey-style ``Event`` loop).

The manager uses one to notice cross-process cancel requests in the registry (see ``JobManager``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger("docmind_jobs")


class PeriodicThread:
    """Runs ``poll()`` every ``interval`` seconds on a daemon thread until ``stop()``.

    Exceptions from ``poll`` are logged and the loop continues. ``stop`` sets the event the loop waits on,
    so it returns within one poll, and joins the thread.
    """

    def __init__(self, poll: Callable[[], None], *, interval: float, name: str) -> None:
        self._poll = poll
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the loop to end and wait up to ``timeout`` seconds for the thread."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._poll()
            except Exception:
                logger.exception("periodic task %s failed", self._thread.name)
