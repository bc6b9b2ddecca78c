"""Exceptions raised by the jobs package.

``JobCancelled`` is raised *inside* job functions (by ``JobContext.raise_if_cancelled``) to unwind
cooperatively; the manager turns it into the ``Cancelled`` state. ``JobFailed`` is raised inside job
functions to fail with an explained, expected reason. The others are raised to callers of the
manager or the registry. :func:`check_transition` is the strict form of the transition table: it raises
``InvalidTransitionError`` (it lives here, beside its error, so that ``states`` imports nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docmind_jobs.states import JobState

if TYPE_CHECKING:
    from docmind_jobs.records import JobRecord


class JobError(Exception):
    """Base class of every error raised by ``docmind_jobs``."""


class JobCancelled(JobError):
    """Raised inside a job's function to stop it after a cancel request; the job ends ``Cancelled``."""


class JobFailed(JobError):
    """Raised inside a job's function to end the job ``Failed`` with a message written for people.

    The message becomes the job's error as it is (no exception type in front) and the log gets one
    line without a traceback: this is an expected outcome the function explains, not a bug. Any other
    exception also ends the job ``Failed``, but as ``Type: text`` with its traceback in the log.
    """


class InvalidTransitionError(JobError):
    """A state transition that the transition table forbids (for example out of a terminal state)."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"illegal job state transition {current} -> {target}")
        self.current = current
        self.target = target


class JobConflictError(JobError):
    """A job with the same exclusive key is already Queued, Running or Cancelling.

    Attributes:
        active: The record of the job holding the key (possibly owned by another process).
    """

    def __init__(self, key: str, active: JobRecord) -> None:
        owner = f", owner {active.owner}" if active.owner else ""
        super().__init__(
            f"another job is already working on {key!r}: job {active.id} "
            f"({active.kind}, {active.state.value}{owner}, pid {active.pid})"
        )
        self.key = key
        self.active = active


class JobNotFoundError(JobError, KeyError):
    """No job with this id is known to the manager or its registry."""

    def __str__(self) -> str:
        return f"no such job: {self.args[0]}" if self.args else "no such job"


class ManagerClosedError(JobError, RuntimeError):
    """The manager was shut down and accepts no new jobs."""


class RegistryError(JobError):
    """The registry database cannot be used (for example its schema is newer than this code)."""


def check_transition(current: JobState, target: JobState) -> None:
    """Validate one transition against the table (``states.TRANSITIONS``).

    Args:
        current: The job's state now.
        target: The state it should move to.

    Raises:
        InvalidTransitionError: When the table does not allow ``current`` → ``target``
            (every move out of a terminal state is illegal).
    """
    if not current.can_become(target):
        raise InvalidTransitionError(current.value, target.value)
