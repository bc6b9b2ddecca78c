"""JobTable: one manager's jobs and exclusive keys behind one lock — the only place a job's state changes.

Contract (after CPython ``concurrent.futures._base``):
    * ``self._lock`` guards every job's state, the job index and the exclusive-key index.
    * ``_apply`` is the single place a state changes: it consults the transition table and rejects illegal
      moves (terminal states are final). Each public method takes the lock, decides, applies, releases.
    * Publishing — the registry write, then waking ``wait()`` callers — happens after the lock is released;
      the registry orders concurrent writes by the state event's ``seq``.
    * ``start`` moves Queued → Running or reports that the job was cancelled first, like
      ``Future.set_running_or_notify_cancel``: a job cancelled while queued never runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import NamedTuple

from docmind_jobs.clock import Clock
from docmind_jobs.errors import JobConflictError, ManagerClosedError
from docmind_jobs.job import Job
from docmind_jobs.records import CancelOutcome, CancelResult, JobRecord
from docmind_jobs.registry import JobRegistry
from docmind_jobs.states import JobState

logger = logging.getLogger("docmind_jobs")


class _Change(NamedTuple):
    job: Job
    record: JobRecord
    version: int


class JobTable:
    """The jobs of one manager. See the module docstring for the locking contract.

    Args:
        clock: Source of the started/finished timestamps.
        registry: Where state changes are written after the lock is released, if any.
        keep_finished: How many finished jobs stay in memory (older ones are forgotten here).
    """

    def __init__(self, *, clock: Clock, registry: JobRegistry | None, keep_finished: int) -> None:
        self._clock = clock
        self._registry = registry
        self._keep_finished = keep_finished
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._keys: dict[str, Job] = {}
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once ``close`` was called: no job is admitted any more."""
        return self._closed

    # -- admission -----------------------------------------------------------------------------------------

    def reserve(self, job: Job) -> None:
        """Take ``job``'s exclusive key for it (atomically with the check), before it is admitted.

        Raises:
            JobConflictError: An active or reserved job of this manager holds the key.
            ManagerClosedError: The table is closed.
        """
        key = job.exclusive_key
        with self._lock:
            if self._closed:
                raise ManagerClosedError("the job manager is shut down")
            if key is None:
                return
            holder = self._keys.get(key)
            if holder is not None:
                raise JobConflictError(key, holder.snapshot())
            self._keys[key] = job

    def release(self, job: Job) -> None:
        """Give back the key reserved for a job that was not admitted."""
        with self._lock:
            self._release_key(job)

    def admit(self, job: Job) -> bool:
        """Make a reserved job visible; if the table closed meanwhile, end it Cancelled and return False."""
        with self._lock:
            admitted = not self._closed
            change = None if admitted else self._apply(job, JobState.CANCELLED)
            if admitted:
                self._jobs[job.id] = job
                finished = [job_id for job_id, known in self._jobs.items() if known.state.is_terminal]
                for job_id in finished[: max(0, len(finished) - self._keep_finished)]:
                    del self._jobs[job_id]
        self._publish([change])
        return admitted

    # -- transitions ---------------------------------------------------------------------------------------

    def start(self, job: Job) -> bool:
        """Move Queued → Running; return False (do not run) if the job was cancelled or interrupted first."""
        with self._lock:
            change = self._apply(job, JobState.RUNNING) if job.state is JobState.QUEUED else None
        self._publish([change])
        return change is not None

    def settle(
        self, job: Job, *, result: str | None = None, error: str | None = None, cancelled: bool = False
    ) -> None:
        """Record how the job's function ended.

        An error gives Failed; ``cancelled`` (it raised ``JobCancelled``), or a cancel the function noticed
        (see ``CancelFlag``), gives Cancelled; otherwise Succeeded — a cancel that came after the work's
        point of no return does not hide its result. Ignored if the job already ended (e.g. Interrupted by
        a timed-out shutdown).
        """
        with self._lock:
            if error is not None:
                target = JobState.FAILED
            elif cancelled or (job.state is JobState.CANCELLING and job.cancel_event.observed):
                target = JobState.CANCELLED
            else:
                target = JobState.SUCCEEDED
            change = self._apply(job, target, error=error, result=result)
        self._publish([change])

    def interrupt(self, jobs: Iterable[Job], error: str) -> None:
        """End every still-active job of ``jobs`` as Interrupted with ``error``."""
        with self._lock:
            changes = [self._apply(job, JobState.INTERRUPTED, error=error) for job in jobs]
        self._publish(changes)

    def cancel(self, job_id: str) -> CancelResult | None:
        """Request cancellation of a job of this table; None if it is not here.

        Queued → Cancelled (it will never run); Running → Cancelling (the function sees ``cancel_event``);
        already Cancelling → unchanged; finished → nothing, answer ``already_finished``.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state.is_terminal:
                return CancelResult(job_id=job_id, outcome=CancelOutcome.ALREADY_FINISHED, state=job.state)
            change = self._request_cancel(job)
            state = job.state
        self._publish([change])
        if state is JobState.CANCELLED and job.future is not None:
            job.future.cancel()
        return CancelResult(job_id=job_id, outcome=CancelOutcome.CANCELLING, state=state)

    def close(self) -> list[Job]:
        """Refuse new jobs, request cancellation of every active job, and return the jobs still active."""
        with self._lock:
            self._closed = True
            changes = [self._request_cancel(job) for job in self._jobs.values() if job.state.is_active]
            remaining = [job for job in self._jobs.values() if job.state.is_active]
        self._publish(changes)
        for change in changes:
            if change is not None and change.job.future is not None and change.record.state.is_terminal:
                change.job.future.cancel()
        return remaining

    def _request_cancel(self, job: Job) -> _Change | None:
        job.cancel_event.set()
        if job.state is JobState.QUEUED:
            return self._apply(job, JobState.CANCELLED)
        if job.state is JobState.RUNNING:
            return self._apply(job, JobState.CANCELLING)
        return None

    def _apply(
        self, job: Job, target: JobState, *, error: str | None = None, result: str | None = None
    ) -> _Change | None:
        """Move ``job`` to ``target`` if the transition table allows it. Call with ``self._lock`` held."""
        if not job.state.can_become(target):
            logger.debug("job %s: rejected transition %s -> %s", job.id, job.state, target)
            return None
        now = self._clock()
        job.state = target
        if target is JobState.RUNNING:
            job.started = now
        if target.is_terminal:
            job.finished, job.error, job.result = now, error, result
            self._release_key(job)
        event = job.log.state(target, message=error or "")
        return _Change(job, job.snapshot(), event.seq)

    def _release_key(self, job: Job) -> None:
        if job.exclusive_key is not None and self._keys.get(job.exclusive_key) is job:
            del self._keys[job.exclusive_key]

    def _publish(self, changes: Iterable[_Change | None]) -> None:
        """Write state changes to the registry, then wake waiters. Call without the lock."""
        for change in changes:
            if change is None:
                continue
            if self._registry is not None:
                try:
                    self._registry.save(change.record, version=change.version)
                except Exception:
                    logger.warning("could not record job %s in the registry", change.job.id, exc_info=True)
            if change.record.state.is_terminal:
                change.job.done.set()

    # -- reading -------------------------------------------------------------------------------------------

    def find(self, job_id: str) -> Job | None:
        """Return the in-memory job, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def snapshot(self, job_id: str) -> JobRecord | None:
        """Return the in-memory job's record, or None."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.snapshot()

    def holder(self, key: str) -> JobRecord | None:
        """Return the record of the job of this table holding ``key``, or None."""
        with self._lock:
            job = self._keys.get(key)
            return None if job is None else job.snapshot()

    def snapshots(self) -> list[JobRecord]:
        """Return the records of every job in memory."""
        with self._lock:
            return [job.snapshot() for job in self._jobs.values()]

    def has_active(self) -> bool:
        """True if a job in memory is Queued, Running or Cancelling."""
        with self._lock:
            return any(job.state.is_active for job in self._jobs.values())
