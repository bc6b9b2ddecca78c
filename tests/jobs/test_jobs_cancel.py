from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from docmind_jobs import CancelOutcome, JobCancelled, JobContext, JobManager, JobState


@pytest.fixture
def single() -> Iterator[JobManager]:
    manager = JobManager(max_workers=1)
    yield manager
    manager.shutdown(timeout=2.0)


def blocker(entered: threading.Event, release: threading.Event):
    def work(ctx: JobContext) -> None:
        entered.set()
        assert release.wait(10)

    return work


def test_cancel_before_start_never_runs(single: JobManager) -> None:
    entered, release = threading.Event(), threading.Event()
    ran = threading.Event()
    first = single.submit("block", blocker(entered, release))
    assert entered.wait(10)
    queued = single.submit("never", lambda ctx: ran.set())  # type: ignore[arg-type, return-value]
    assert single.get(queued).state is JobState.QUEUED  # type: ignore[union-attr]

    result = single.cancel(queued)
    assert (result.outcome, result.state) == (CancelOutcome.CANCELLING, JobState.CANCELLED)
    release.set()
    assert single.wait(first, timeout=10).state is JobState.SUCCEEDED
    record = single.wait(queued, timeout=10)
    # A job submitted after the cancelled one runs, so the worker has passed the cancelled one by now.
    after = single.submit("after", lambda ctx: "ok")
    assert single.wait(after, timeout=10).state is JobState.SUCCEEDED
    assert record.state is JobState.CANCELLED and record.started is None
    assert not ran.is_set()
    assert [e.state for e in single.events_since(queued, 0)] == [JobState.CANCELLED]


def test_cancel_while_running_goes_through_cancelling(manager: JobManager) -> None:
    entered, proceed = threading.Event(), threading.Event()

    def work(ctx: JobContext) -> str:
        entered.set()
        assert ctx.cancel_event.wait(10)
        assert ctx.cancelled
        assert proceed.wait(10)
        ctx.raise_if_cancelled()
        return "unreachable"

    job_id = manager.submit("cancellable", work)
    assert entered.wait(10)
    result = manager.cancel(job_id)
    assert (result.outcome, result.state) == (CancelOutcome.CANCELLING, JobState.CANCELLING)
    record = manager.get(job_id)
    assert record is not None and record.state is JobState.CANCELLING and record.cancel_requested
    again = manager.cancel(job_id)  # idempotent
    assert (again.outcome, again.state) == (CancelOutcome.CANCELLING, JobState.CANCELLING)
    proceed.set()
    final = manager.wait(job_id, timeout=10)
    assert final.state is JobState.CANCELLED and final.result is None
    states = [e.state for e in manager.events_since(job_id, 0) if e.state]
    assert states == [JobState.RUNNING, JobState.CANCELLING, JobState.CANCELLED]


def test_job_returning_normally_after_cancel_ends_cancelled(manager: JobManager) -> None:
    entered = threading.Event()

    def work(ctx: JobContext) -> str:
        entered.set()
        assert ctx.cancel_event.wait(10)
        return "partial"

    job_id = manager.submit("returns", work)
    assert entered.wait(10)
    manager.cancel(job_id)
    assert manager.wait(job_id, timeout=10).state is JobState.CANCELLED


def test_job_failing_after_cancel_ends_failed(manager: JobManager) -> None:
    entered = threading.Event()

    def work(ctx: JobContext) -> None:
        entered.set()
        assert ctx.cancel_event.wait(10)
        raise OSError("cleanup broke")

    job_id = manager.submit("fails", work)
    assert entered.wait(10)
    manager.cancel(job_id)
    record = manager.wait(job_id, timeout=10)
    assert (record.state, record.error) == (JobState.FAILED, "OSError: cleanup broke")


def test_cancel_after_end_is_a_clear_no_op(inline_manager: JobManager) -> None:
    job_id = inline_manager.submit("quick", lambda ctx: "r")
    result = inline_manager.cancel(job_id)
    assert (result.outcome, result.state) == (CancelOutcome.ALREADY_FINISHED, JobState.SUCCEEDED)
    assert inline_manager.get(job_id).state is JobState.SUCCEEDED  # type: ignore[union-attr]


def test_cancel_unknown_job(inline_manager: JobManager) -> None:
    result = inline_manager.cancel("ffffffffffff")
    assert (result.outcome, result.state) == (CancelOutcome.NOT_FOUND, None)


def test_cancel_all(manager: JobManager) -> None:
    barrier = threading.Barrier(3, timeout=10)

    def work(ctx: JobContext) -> None:
        barrier.wait()
        ctx.cancel_event.wait(10)
        raise JobCancelled(ctx.job_id)

    ids = [manager.submit("w", work) for _ in range(2)]
    barrier.wait()
    answers = manager.cancel_all()
    assert {a.job_id for a in answers} == set(ids)
    assert {manager.wait(i, timeout=10).state for i in ids} == {JobState.CANCELLED}


def test_cancel_after_the_point_of_no_return_keeps_the_success(manager: JobManager) -> None:
    started, go = threading.Event(), threading.Event()

    def work(ctx: JobContext) -> str:
        started.set()
        assert go.wait(10)  # the work never looks at the cancel flag again: its result stands
        return "published"

    job_id = manager.submit("commits", work)
    assert started.wait(10)
    assert manager.cancel(job_id).outcome.value == "cancelling"
    go.set()
    record = manager.wait(job_id, timeout=10)
    assert (record.state, record.result) == (JobState.SUCCEEDED, "published")
