"""The cancel flag a job's function receives: an ``Event`` that remembers whether the job saw it.

A function that returns normally ends *Succeeded* unless it observed the cancel request (through
``is_set()``/``wait()`` returning true, ``JobContext.cancelled`` or ``raise_if_cancelled``): a
cancel that arrives after the work's point of no return (say, a published snapshot) must not be
reported as Cancelled while its result stands.
"""

from __future__ import annotations

import threading


class CancelFlag(threading.Event):
    """A ``threading.Event`` that records when a reader saw it set."""

    def __init__(self) -> None:
        super().__init__()
        self._observed = False

    @property
    def requested(self) -> bool:
        """Whether a cancel was requested, without counting as the job noticing it."""
        return super().is_set()

    @property
    def observed(self) -> bool:
        """Whether the job's code saw the flag set."""
        return self._observed

    def is_set(self) -> bool:
        """Return the flag; a true answer counts as noticed."""
        value = super().is_set()
        if value:
            self._observed = True
        return value

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the flag; a true answer counts as noticed."""
        value = super().wait(timeout)
        if value:
            self._observed = True
        return value
