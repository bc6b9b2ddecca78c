"""The manager's private, mutable view of one job. Every field is guarded by the manager's lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from docmind_jobs.cancel_flag import CancelFlag
from docmind_jobs.context import JobContext, ProgressHook
from docmind_jobs.eventlog import EventLog
from docmind_jobs.records import JobRecord
from docmind_jobs.states import JobState

JobFunction = Callable[[JobContext], "str | None"]
"""A job's work: receives its context, returns a result reference (a snapshot id, say) or None."""


class Job:
    """One submitted job: its function, its state and its event log.

    Only ``JobManager._apply`` changes ``state`` (under the manager's lock); ``done`` is set once the terminal
    state has been published (registry written), so ``done.wait()`` returning means the history is up to date.
    """

    def __init__(
        self,
        *,
        job_id: str,
        kind: str,
        fn: JobFunction,
        created: datetime,
        pid: int,
        log: EventLog,
        exclusive_key: str | None = None,
        owner: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.id = job_id
        self.kind = kind
        self.fn = fn
        self.created = created
        self.pid = pid
        self.log = log
        self.exclusive_key = exclusive_key
        self.owner = owner
        self.summary = summary or {}
        self.state = JobState.QUEUED
        self.started: datetime | None = None
        self.finished: datetime | None = None
        self.error: str | None = None
        self.result: str | None = None
        self.cancel_event = CancelFlag()
        self.done = threading.Event()
        self.future: Future[None] | None = None
        self.last_progress_write: datetime | None = None
        self.context = JobContext(job_id, self.cancel_event, log, None)

    def attach_progress_hook(self, hook: ProgressHook) -> None:
        """Have ``hook(at)`` called after each reported progress event (used to persist progress)."""
        self.context = JobContext(self.id, self.cancel_event, self.log, hook)

    def snapshot(self) -> JobRecord:
        """Return an immutable record of the job as it is now (call with the manager's lock held)."""
        return JobRecord(
            id=self.id,
            kind=self.kind,
            owner=self.owner,
            state=self.state,
            created=self.created,
            started=self.started,
            finished=self.finished,
            exclusive_key=self.exclusive_key,
            progress=self.log.latest(),
            error=self.error,
            result=self.result,
            pid=self.pid,
            summary=self.summary,
            cancel_requested=self.cancel_event.requested,
        )
