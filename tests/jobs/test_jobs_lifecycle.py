from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import pytest
from docmind_jobs import (
    EVENT_PROGRESS,
    EVENT_STATE,
    InlineExecutor,
    JobCancelled,
    JobContext,
    JobFailed,
    JobManager,
    JobNotFoundError,
    JobRegistry,
    JobState,
    ManagerClosedError,
    describe_error,
)


def test_job_id_is_short_and_readable(inline_manager: JobManager) -> None:
    job_id = inline_manager.submit("noop", lambda ctx: None)
    assert re.fullmatch(r"[0-9a-f]{12}", job_id)


def test_success_records_result_timestamps_and_state_events(inline_manager: JobManager, clock) -> None:
    def work(ctx: JobContext) -> str:
        clock.advance(timedelta(seconds=5))
        ctx.report("parse", done=1, total=2, item="a.pdf", counts={"chunks": 3})
        return "snap-42"

    job_id = inline_manager.submit("ingest", work, owner="alice", summary={"sources": ["a"]})
    record = inline_manager.wait(job_id, timeout=1)
    assert record.state is JobState.SUCCEEDED
    assert record.result == "snap-42"
    assert record.owner == "alice"
    assert record.summary == {"sources": ["a"]}
    assert record.created < record.finished  # type: ignore[operator]
    assert record.started is not None and record.error is None
    events = inline_manager.events_since(job_id, 0)
    assert [(e.kind, e.state) for e in events] == [
        (EVENT_STATE, JobState.RUNNING),
        (EVENT_PROGRESS, None),
        (EVENT_STATE, JobState.SUCCEEDED),
    ]
    assert [e.seq for e in events] == [1, 2, 3]
    final = events[-1]
    assert (final.phase, final.done, final.total, final.counts) == ("parse", 1, 2, {"chunks": 3})
    assert record.progress == final


def test_non_string_result_is_converted(inline_manager: JobManager) -> None:
    job_id = inline_manager.submit("count", lambda ctx: 7)  # type: ignore[arg-type, return-value]
    assert inline_manager.wait(job_id).result == "7"


def test_failure_is_short_human_text_and_traceback_is_logged(
    inline_manager: JobManager, caplog: pytest.LogCaptureFixture
) -> None:
    def work(ctx: JobContext) -> None:
        raise ValueError("bad\nthing")

    with caplog.at_level(logging.ERROR, logger="docmind_jobs"):
        job_id = inline_manager.submit("broken", work)
    record = inline_manager.wait(job_id)
    assert record.state is JobState.FAILED
    assert record.error == "ValueError: bad thing"
    assert "Traceback" not in (record.error or "")
    logged = [r for r in caplog.records if r.name == "docmind_jobs" and r.exc_info]
    assert logged and logged[0].exc_info is not None and logged[0].exc_info[0] is ValueError
    assert inline_manager.events_since(job_id, 0)[-1].message == "ValueError: bad thing"


def test_explained_failure_keeps_its_message_and_logs_one_line(
    inline_manager: JobManager, caplog: pytest.LogCaptureFixture
) -> None:
    def work(ctx: JobContext) -> None:
        raise JobFailed("nothing to ingest: every file was skipped")

    with caplog.at_level(logging.WARNING, logger="docmind_jobs"):
        job_id = inline_manager.submit("explained", work)
    record = inline_manager.wait(job_id)
    assert (record.state, record.error) == (JobState.FAILED, "nothing to ingest: every file was skipped")
    logged = [r for r in caplog.records if r.name == "docmind_jobs"]
    assert [r.levelno for r in logged] == [logging.WARNING]
    assert logged[0].exc_info is None
    assert "every file was skipped" in logged[0].getMessage()


def test_describe_error_is_one_line_and_clipped() -> None:
    assert describe_error(KeyError()) == "KeyError"
    text = describe_error(RuntimeError("x" * 1000))
    assert len(text) <= 200 and text.startswith("RuntimeError: x")


def test_job_raising_jobcancelled_by_itself_ends_cancelled(inline_manager: JobManager) -> None:
    def work(ctx: JobContext) -> None:
        raise JobCancelled("gave up")

    assert inline_manager.wait(inline_manager.submit("quit", work)).state is JobState.CANCELLED


def test_threaded_job_goes_queued_running_succeeded(manager: JobManager) -> None:
    entered, release = threading.Event(), threading.Event()

    def work(ctx: JobContext) -> str:
        entered.set()
        assert release.wait(10)
        return "done"

    job_id = manager.submit("slow", work)
    assert entered.wait(10)
    record = manager.get(job_id)
    assert record is not None and record.state is JobState.RUNNING
    with pytest.raises(TimeoutError):
        manager.wait(job_id, timeout=0.01)
    release.set()
    assert manager.wait(job_id, timeout=10).state is JobState.SUCCEEDED


def test_get_list_and_unknown_ids(inline_manager: JobManager, clock) -> None:
    ids = []
    for _ in range(3):
        ids.append(inline_manager.submit("n", lambda ctx: None))
        clock.advance(timedelta(seconds=1))
    assert inline_manager.get("000000000000") is None
    assert [r.id for r in inline_manager.list()] == list(reversed(ids))
    assert len(inline_manager.list(limit=2)) == 2
    with pytest.raises(JobNotFoundError):
        inline_manager.events_since("000000000000", 0)
    with pytest.raises(JobNotFoundError):
        inline_manager.wait("000000000000", timeout=0.1)


def test_summary_must_be_json(inline_manager: JobManager) -> None:
    with pytest.raises(TypeError):
        inline_manager.submit("n", lambda ctx: None, summary={"bad": object()})


def test_submit_after_shutdown_is_refused() -> None:
    manager = JobManager(executor_factory=InlineExecutor)
    manager.shutdown()
    manager.shutdown()  # idempotent
    with pytest.raises(ManagerClosedError):
        manager.submit("late", lambda ctx: None)


def test_finished_jobs_beyond_keep_finished_are_read_back_from_registry(registry: JobRegistry) -> None:
    manager = JobManager(registry=registry, executor_factory=InlineExecutor, keep_finished=2)
    try:
        ids = [manager.submit("n", lambda ctx, i=i: f"r{i}") for i in range(5)]
        record = manager.get(ids[0])
        assert record is not None and record.result == "r0" and record.state is JobState.SUCCEEDED
        assert manager.events_since(ids[0], 0)[-1].state is JobState.SUCCEEDED
        assert manager.wait(ids[0], timeout=1).state is JobState.SUCCEEDED
        assert {r.id for r in manager.list()} == set(ids)
    finally:
        manager.shutdown()
