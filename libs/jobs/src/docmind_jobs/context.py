"""What a job's function receives: its id, a cheap progress reporter and the cooperative cancel flag."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from docmind_jobs.errors import JobCancelled
from docmind_jobs.eventlog import EventLog

ProgressHook = Callable[[datetime], None]


class JobContext:
    """What the job's function receives.

    Cancellation is cooperative: ``cancel()`` on the manager only sets ``cancel_event``; the function checks
    it at safe points (``raise_if_cancelled``) and unwinds through ``finally``.

    Attributes:
        job_id: The job's id.
        cancel_event: Set when a cancel was requested; pass it down to code that can stop early.
    """

    __slots__ = ("_log", "_on_progress", "cancel_event", "job_id")

    def __init__(
        self, job_id: str, cancel_event: threading.Event, log: EventLog, on_progress: ProgressHook | None
    ) -> None:
        self.job_id = job_id
        self.cancel_event = cancel_event
        self._log = log
        self._on_progress = on_progress

    @property
    def cancelled(self) -> bool:
        """True once a cancel was requested."""
        return self.cancel_event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise ``JobCancelled`` if a cancel was requested; call it between units of work.

        Raises:
            JobCancelled: When ``cancel_event`` is set.
        """
        if self.cancel_event.is_set():
            raise JobCancelled(self.job_id)

    def report(
        self,
        phase: str,
        *,
        done: int | None = None,
        total: int | None = None,
        message: str = "",
        item: str | None = None,
        counts: Mapping[str, int | float] | None = None,
        in_flight: Sequence[tuple[str, int, float]] = (),
    ) -> None:
        """Record progress. O(1) and cheap: call it as often as useful; memory stays bounded.

        Text is clipped (message and item to 200 characters). Reports after the job ended are ignored.
        Registry writes are throttled to one per ``progress_interval`` per job.

        Args:
            phase: Short name of the current phase ("scan", "parse", "index").
            done: Units done so far.
            total: Units expected, if known.
            message: Short human text.
            item: The name of the item being worked on (a file name) — never its content.
            counts: Named counters, copied.
            in_flight: (name, size in bytes, seconds running) of each item worked on in parallel.
        """
        at = self._log.progress(phase, done, total, message, item, counts, in_flight)
        if at is not None and self._on_progress is not None:
            self._on_progress(at)
