"""Read-only views handed to callers: a job's record and the answer to a cancel request."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from docmind_jobs.events import ProgressEvent
from docmind_jobs.states import JobState


class JobRecord(BaseModel):
    """A snapshot of one job, from memory or from the registry. Immutable.

    Attributes:
        id: The job id (12 hex characters).
        kind: What the job does, e.g. "ingest".
        owner: Free-form label of who started it (a session, "cli"), if given.
        state: The state when the snapshot was taken.
        created: When it was submitted (UTC).
        started: When its function started running, if it did.
        finished: When it reached a terminal state, if it did.
        exclusive_key: The key it holds while active, if any.
        progress: The latest event (a state event once finished), if any.
        error: Short human text for Failed and Interrupted jobs ("ValueError: bad thing"), never a traceback.
        result: The function's return value: a reference such as a snapshot id, if any.
        pid: The process that runs or ran the job.
        summary: Caller-provided JSON-able description given at submit time.
        cancel_requested: True once a cancel was asked for (locally or through the registry).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: str
    owner: str | None = None
    state: JobState
    created: AwareDatetime
    started: AwareDatetime | None = None
    finished: AwareDatetime | None = None
    exclusive_key: str | None = None
    progress: ProgressEvent | None = None
    error: str | None = None
    result: str | None = None
    pid: int
    summary: dict[str, Any] = {}
    cancel_requested: bool = False


class CancelOutcome(StrEnum):
    """What a cancel request did."""

    CANCELLING = "cancelling"
    """The job was asked to stop (a queued job is already Cancelled; a running one is Cancelling)."""
    ALREADY_FINISHED = "already_finished"
    """The job had already ended; nothing changed. ``CancelResult.state`` says how it ended."""
    NOT_FOUND = "not_found"
    """No job with that id in memory or in the registry."""
    REQUESTED_REMOTE = "requested_remote"
    """The job runs in another live process; a flag was set in the registry for its manager to act on."""


class CancelResult(BaseModel):
    """The answer of ``JobManager.cancel``.

    Attributes:
        job_id: The id that was asked about.
        outcome: What happened.
        state: The job's state after the request (None when not found).
    """

    model_config = ConfigDict(frozen=True)

    job_id: str
    outcome: CancelOutcome
    state: JobState | None = None
