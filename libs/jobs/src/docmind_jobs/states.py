"""Job states and the transition table: the only statement of which state may follow which.

A job starts ``Queued``. ``Succeeded``, ``Failed``, ``Cancelled`` and ``Interrupted`` are terminal and final:
no transition leaves them. The manager applies every transition through this table while holding its lock, so
an illegal move (for example ``Succeeded`` after a shutdown already marked the job ``Interrupted``) is
rejected instead of overwriting history. ``errors.check_transition`` is the strict form that raises.

This module imports nothing from the package: it is the bottom of ``docmind_jobs``'s layers (an import
contract), under the events, records and errors that name states.

    Queued ──▶ Running ──▶ Succeeded | Failed
      │           │
      │           ├──▶ Cancelling ──▶ Cancelled | Failed
      │           └──▶ Cancelled   (the work raised JobCancelled by itself)
      └──▶ Cancelled   (cancelled before it started: it never runs)
    Queued | Running | Cancelling ──▶ Interrupted   (shutdown timed out, or its process died)
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class JobState(StrEnum):
    """The state of a job; the values are the exact words shown in the UI and in ``--json`` output."""

    QUEUED = "Queued"
    RUNNING = "Running"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    INTERRUPTED = "Interrupted"

    @property
    def is_terminal(self) -> bool:
        """True for the final states: Succeeded, Failed, Cancelled, Interrupted."""
        return self in TERMINAL_STATES

    @property
    def is_active(self) -> bool:
        """True while the job holds its exclusive key: Queued, Running, Cancelling."""
        return self in ACTIVE_STATES

    def can_become(self, target: JobState) -> bool:
        """Return True when the transition table allows moving from this state to ``target``."""
        return target in TRANSITIONS[self]


ACTIVE_STATES: frozenset[JobState] = frozenset({JobState.QUEUED, JobState.RUNNING, JobState.CANCELLING})
TERMINAL_STATES: frozenset[JobState] = frozenset(
    {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED}
)

TRANSITIONS: Mapping[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELLED, JobState.INTERRUPTED}),
    JobState.RUNNING: frozenset(
        {JobState.CANCELLING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED}
    ),
    JobState.CANCELLING: frozenset(
        {JobState.CANCELLED, JobState.SUCCEEDED, JobState.FAILED, JobState.INTERRUPTED}
    ),
    JobState.SUCCEEDED: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
    JobState.INTERRUPTED: frozenset(),
}
