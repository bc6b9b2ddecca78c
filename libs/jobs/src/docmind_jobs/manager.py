"""JobManager: runs job functions on worker threads, tracks their state, events and history.

Concurrency contract: every state change goes through ``JobTable`` (one lock, one transition table,
notifications after the lock is released). ``report()`` never takes that lock: it appends to the job's own
bounded ``EventLog`` and, at most every ``progress_interval``, writes the latest event to the registry.

Cross-process cancel: ``cancel(job_id)`` for a job found only in the registry (owned by another live process)
sets its ``cancel_requested`` flag. Every manager with a registry runs a small daemon thread
(``PeriodicThread``, started at the first submit, stopped by ``shutdown``) that every
``cancel_poll_interval`` (0.2 s) reads the flags of its own active jobs and cancels them locally.

Shutdown: ``shutdown(timeout)`` cancels every job, waits up to ``timeout``, records the jobs still active as
Interrupted, stops the watcher and shuts the executor down without waiting. Workers are daemon threads not
known to ``concurrent.futures`` (``DaemonThreadPoolExecutor``), so a job that ignores cancel cannot keep the
process alive; ``install_exit_hooks()`` runs ``shutdown`` at interpreter exit (``atexit``; see ``exit_hooks``
for why that is early enough).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import time
import weakref
from datetime import datetime
from typing import Any

from docmind_jobs import exit_hooks
from docmind_jobs.clock import Clock, utc_now
from docmind_jobs.errors import (
    JobCancelled,
    JobConflictError,
    JobFailed,
    JobNotFoundError,
    ManagerClosedError,
)
from docmind_jobs.eventlog import DEFAULT_RING_SIZE, EventLog
from docmind_jobs.events import MESSAGE_LIMIT, ProgressEvent, clip
from docmind_jobs.executors import DaemonThreadPoolExecutor, ExecutorFactory
from docmind_jobs.job import Job, JobFunction
from docmind_jobs.process import current_process
from docmind_jobs.records import CancelOutcome, CancelResult, JobRecord
from docmind_jobs.registry import JobRegistry
from docmind_jobs.table import JobTable
from docmind_jobs.watcher import PeriodicThread

logger = logging.getLogger("docmind_jobs")

SHUTDOWN_ERROR = "interrupted: the job did not stop before shutdown"
EXIT_TIMEOUT = 2.0
REMOTE_WAIT_POLL = 0.1


def describe_error(exc: BaseException) -> str:
    """Return a one-line human description of ``exc`` ("ValueError: bad thing"), without a traceback.

    A ``JobFailed`` is described by its message alone: it was written for people.
    """
    text = " ".join(str(exc).split())
    if isinstance(exc, JobFailed) and text:
        return clip(text, MESSAGE_LIMIT)
    return clip(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, MESSAGE_LIMIT)


def _default_executor(max_workers: int) -> DaemonThreadPoolExecutor:
    return DaemonThreadPoolExecutor(max_workers, thread_name_prefix="docmind-job")


class JobManager:
    """Runs background jobs; see the module docstring for the concurrency, cancel and shutdown contracts.

    Args:
        max_workers: How many jobs run at once.
        registry: Where history is persisted and shared with other processes; None keeps it in memory only.
            The caller owns it (the manager never closes it).
        clock: Source of timestamps (inject a fake one in tests).
        executor_factory: Builds the executor from ``max_workers``; default ``DaemonThreadPoolExecutor``.
            Pass ``InlineExecutor`` to run each job synchronously inside ``submit`` (deterministic tests).
        ring_size: Events kept per job for readers (older progress is coalesced away).
        keep_finished: Finished jobs kept in memory; older ones are read back from the registry.
        cancel_poll_interval: Seconds between two checks for cross-process cancel requests.
    """

    def __init__(
        self,
        max_workers: int = 2,
        registry: JobRegistry | None = None,
        clock: Clock = utc_now,
        executor_factory: ExecutorFactory | None = None,
        *,
        ring_size: int = DEFAULT_RING_SIZE,
        keep_finished: int = 200,
        cancel_poll_interval: float = 0.2,
    ) -> None:
        self.manager_id = secrets.token_hex(8)
        self._registry = registry
        self._clock = clock
        self._ring_size = ring_size
        self._process = current_process()
        self._table = JobTable(clock=clock, registry=registry, keep_finished=keep_finished)
        self._executor = (executor_factory or _default_executor)(max_workers)
        self._lifecycle = threading.Lock()  # guards starting the watcher and installing hooks
        self._admission = threading.Lock()  # serialises keyed submissions; taken before the table lock
        self._hooks_installed = False
        self._watcher: PeriodicThread | None = None
        self._cancel_poll_interval = cancel_poll_interval

    def __enter__(self) -> JobManager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    # -- submitting ----------------------------------------------------------------------------------------

    def submit(
        self,
        kind: str,
        fn: JobFunction,
        *,
        exclusive_key: str | None = None,
        owner: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> str:
        """Queue ``fn(context)`` to run on a worker thread; return the new job's id (12 hex characters).

        Args:
            kind: What the job does ("ingest").
            fn: The work. Its return value (converted with ``str``) becomes the job's ``result``; raising
                ``JobCancelled`` ends it Cancelled, any other exception ends it Failed.
            exclusive_key: At most one job per key may be Queued/Running/Cancelling, across every manager
                sharing the registry.
            owner: Free-form label of who started it.
            summary: JSON-able description stored with the job.

        Raises:
            JobConflictError: Another active job holds ``exclusive_key``; ``.active`` is its record.
            ManagerClosedError: After ``shutdown``.
            TypeError: ``summary`` is not JSON-serialisable.
        """
        summary = dict(summary or {})
        json.dumps(summary)
        job = Job(
            job_id=secrets.token_hex(6),
            kind=kind,
            fn=fn,
            created=self._clock(),
            pid=self._process.pid,
            log=EventLog(self._clock, self._ring_size),
            exclusive_key=exclusive_key,
            owner=owner,
            summary=summary,
        )
        # Keyed submissions are admitted one at a time, so a refused one never names a job that a concurrent
        # submit reserved and then lost to another process in the registry.
        with self._admission if exclusive_key is not None else contextlib.nullcontext():
            self._table.reserve(job)
            if self._registry is not None:
                self._register(job, self._registry)
            if not self._table.admit(job):
                raise ManagerClosedError("the job manager is shut down")
        try:
            job.future = self._executor.submit(self._run, job)
        except RuntimeError as exc:  # the executor was shut down between admission and now
            self._table.interrupt([job], SHUTDOWN_ERROR)
            raise ManagerClosedError("the job manager is shut down") from exc
        return job.id

    def _register(self, job: Job, registry: JobRegistry) -> None:
        """Insert the job in the registry (cross-process key check), then persist its progress from now on."""
        try:
            active = registry.insert(job.snapshot(), process=self._process, manager_id=self.manager_id)
        except BaseException:
            self._table.release(job)
            raise
        if active is not None:
            self._table.release(job)
            raise JobConflictError(job.exclusive_key or "", active)
        job.attach_progress_hook(lambda at: self._persist_progress(job, registry, at))
        self._start_watcher()

    def _start_watcher(self) -> None:
        with self._lifecycle:
            if self._watcher is not None or self._table.closed:
                return
            self._watcher = PeriodicThread(
                self._poll_cancel_requests, interval=self._cancel_poll_interval, name="docmind-jobs-watcher"
            )
            self._watcher.start()

    def _run(self, job: Job) -> None:
        """The worker wrapper: start (unless cancelled first), run, record how it ended."""
        if not self._table.start(job):
            return
        try:
            result = job.fn(job.context)
        except JobCancelled:
            self._table.settle(job, cancelled=True)
        except JobFailed as exc:
            logger.warning("job %s (%s) failed: %s", job.id, job.kind, describe_error(exc))
            self._table.settle(job, error=describe_error(exc))
        except BaseException as exc:
            logger.exception("job %s (%s) failed", job.id, job.kind)
            self._table.settle(job, error=describe_error(exc))
        else:
            self._table.settle(job, result=None if result is None else str(result))

    @staticmethod
    def _persist_progress(job: Job, registry: JobRegistry, at: datetime) -> None:
        """Throttled progress write: at most one per ``registry.progress_interval`` per job."""
        last = job.last_progress_write
        if last is not None and 0 <= (at - last).total_seconds() < registry.progress_interval:
            return
        job.last_progress_write = at
        event = job.log.latest()
        try:
            if event is not None:
                registry.save_progress(job.id, event)
        except Exception:
            logger.warning("could not record progress of job %s", job.id, exc_info=True)

    # -- cancelling and shutting down ----------------------------------------------------------------------

    def cancel(self, job_id: str) -> CancelResult:
        """Ask a job to stop. Never blocks on the job.

        A Queued job goes straight to Cancelled and never runs; a Running one moves to Cancelling and its
        ``cancel_event`` is set — it ends Cancelled when its function returns or raises ``JobCancelled``.
        A job of another live process (known only through the registry) gets ``cancel_requested`` set; its
        manager cancels it within about ``cancel_poll_interval``.

        Returns:
            What happened: ``cancelling``, ``already_finished`` (with the final state), ``not_found`` or
            ``requested_remote``.
        """
        local = self._table.cancel(job_id)
        if local is not None:
            return local
        record = None if self._registry is None else self._registry.get(job_id)
        if record is not None and record.state.is_active:
            record = self._registry.request_cancel(job_id) if self._registry is not None else None
        if record is None:
            return CancelResult(job_id=job_id, outcome=CancelOutcome.NOT_FOUND)
        if record.state.is_terminal:
            return CancelResult(job_id=job_id, outcome=CancelOutcome.ALREADY_FINISHED, state=record.state)
        return CancelResult(job_id=job_id, outcome=CancelOutcome.REQUESTED_REMOTE, state=record.state)

    def cancel_all(self) -> list[CancelResult]:
        """Ask every active job of this manager to stop; return the answers."""
        return [self.cancel(record.id) for record in self._table.snapshots() if record.state.is_active]

    def _poll_cancel_requests(self) -> None:
        if self._registry is None or not self._table.has_active():
            return
        for job_id in self._registry.cancel_requests(self.manager_id):
            self._table.cancel(job_id)

    def shutdown(self, timeout: float = 3.0) -> None:
        """Stop: refuse new jobs, cancel every job, wait up to ``timeout`` s, then leave without waiting more.

        Jobs still active after ``timeout`` are recorded Interrupted (in memory and in the registry); their
        threads are daemon threads and do not hold up interpreter exit. Stops the cancel watcher and the
        executor (``shutdown(wait=False, cancel_futures=True)``). Idempotent; safe from any thread.
        """
        deadline = time.monotonic() + timeout
        remaining = self._table.close()
        for job in remaining:
            job.done.wait(max(0.0, deadline - time.monotonic()))
        self._table.interrupt(remaining, SHUTDOWN_ERROR)
        with self._lifecycle:
            watcher = self._watcher
        if watcher is not None:
            watcher.stop(timeout=max(0.5, deadline - time.monotonic()))
        self._executor.shutdown(wait=False, cancel_futures=True)
        if isinstance(self._executor, DaemonThreadPoolExecutor):
            self._executor.join_threads(max(0.1, deadline - time.monotonic()))

    def install_exit_hooks(self, *, timeout: float = EXIT_TIMEOUT, signals: bool = False) -> None:
        """Run ``shutdown(timeout)`` when the interpreter exits (an ``atexit`` hook).

        Early enough because job threads are daemon threads: the interpreter does not join them before
        ``atexit`` hooks run (see ``exit_hooks``). The hook holds the manager weakly. Idempotent.

        Args:
            timeout: Passed to ``shutdown``. The default (2 s) keeps a process whose job ignores cancel
                within the 3 s exit budget (FR-041), leaving time for the rest of interpreter exit.
            signals: Also handle SIGINT and SIGTERM (main thread only; ignored elsewhere): cancel every job,
                then chain to the previous handler; a default handler becomes ``SystemExit(128 + signum)``.
        """
        with self._lifecycle:
            if self._hooks_installed:
                return
            self._hooks_installed = True
        ref = weakref.ref(self)

        def shutdown_at_exit() -> None:
            manager = ref()
            if manager is not None:
                manager.shutdown(timeout)

        def cancel_on_signal() -> None:
            manager = ref()
            if manager is not None:
                manager.cancel_all()

        exit_hooks.install_exit_hook(shutdown_at_exit)
        if signals:
            exit_hooks.install_signal_handlers(cancel_on_signal)

    # -- reading -------------------------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord | None:
        """Return the job's record from memory, else from the registry (other processes, history); or None."""
        record = self._table.snapshot(job_id)
        if record is None and self._registry is not None:
            record = self._registry.get(job_id)
        return record

    def active(self, exclusive_key: str) -> JobRecord | None:
        """Return the job holding ``exclusive_key`` (Queued/Running/Cancelling) here or in a live process."""
        record = self._table.holder(exclusive_key)
        if record is None and self._registry is not None:
            record = self._registry.find_active(exclusive_key, exclude_manager=self.manager_id)
        return record

    def events_since(self, job_id: str, seq: int = 0) -> list[ProgressEvent]:
        """Return the job's events with ``seq`` greater than the caller's cursor, oldest first.

        Readers keep their own cursor (the last ``seq`` they saw), so viewers never steal each other's events.
        If intermediate progress was coalesced away, ``seq`` jumps; state events are never dropped. For a job
        known only from the registry, the answer is its latest stored event, if newer than ``seq``.

        Raises:
            JobNotFoundError: The job is unknown here and in the registry.
        """
        job = self._table.find(job_id)
        if job is not None:
            return job.log.since(seq)
        record = None if self._registry is None else self._registry.get(job_id)
        if record is None:
            raise JobNotFoundError(job_id)
        progress = record.progress
        return [progress] if progress is not None and progress.seq > seq else []

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until the job is finished (and its history written); return its final record.

        Raises:
            JobNotFoundError: Unknown job.
            TimeoutError: Still not finished after ``timeout`` seconds.
        """
        job = self._table.find(job_id)
        if job is None:
            return self._wait_remote(job_id, timeout)
        if not job.done.wait(timeout):
            raise TimeoutError(f"job {job_id} still not finished after {timeout} s")
        return job.snapshot()

    def _wait_remote(self, job_id: str, timeout: float | None) -> JobRecord:
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = threading.Event()  # never set: waits that read as what they are
        while True:
            record = self.get(job_id)
            if record is None:
                raise JobNotFoundError(job_id)
            if record.state.is_terminal:
                return record
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} still not finished after {timeout} s")
            pause.wait(REMOTE_WAIT_POLL)

    def list(self, limit: int = 50) -> list[JobRecord]:
        """Return up to ``limit`` jobs (this manager's and the registry's), newest first."""
        merged = {record.id: record for record in self._registry.list(limit)} if self._registry else {}
        merged.update((record.id, record) for record in self._table.snapshots())
        return sorted(merged.values(), key=lambda record: record.created, reverse=True)[:limit]
