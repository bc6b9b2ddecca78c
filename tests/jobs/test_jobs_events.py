from __future__ import annotations

import threading
import time
import tracemalloc
from datetime import UTC, datetime

import pydantic
import pytest
from docmind_jobs import (
    EVENT_STATE,
    IN_FLIGHT_LIMIT,
    InFlightItem,
    InlineExecutor,
    JobContext,
    JobManager,
    JobState,
    ProgressEvent,
)
from docmind_jobs.eventlog import EventLog

MILLION = 1_000_000


def flood(ctx: JobContext) -> None:
    report = ctx.report
    for i in range(MILLION):
        report("parse", done=i + 1, total=MILLION, item="file.pdf", counts={"chunks": i})


def test_a_million_reports_keep_memory_bounded() -> None:
    manager = JobManager(executor_factory=InlineExecutor, ring_size=256)
    tracemalloc.start()
    try:
        job_id = manager.submit("flood", flood)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        manager.shutdown()
    job = manager._table.find(job_id)
    assert job is not None
    assert len(job.log) == 256
    assert peak < 2_000_000, f"peak traced memory {peak} bytes"
    events = manager.events_since(job_id, 0)
    assert len(events) == 257  # the ring plus the Running event that fell off it
    assert events[0].state is JobState.RUNNING
    assert events[-1].state is JobState.SUCCEEDED and events[-1].done == MILLION
    assert events[-1].seq == MILLION + 2


def test_many_readers_with_their_own_cursors_all_see_the_terminal_event() -> None:
    readers, reports = 8, 5000
    manager = JobManager(max_workers=1, ring_size=64)
    barrier = threading.Barrier(readers + 1, timeout=10)

    def work(ctx: JobContext) -> str:
        barrier.wait()
        for i in range(reports):
            ctx.report("work", done=i + 1, total=reports)
        return "ok"

    job_id = manager.submit("busy", work)
    seen: list[list[ProgressEvent]] = [[] for _ in range(readers)]
    errors: list[BaseException] = []

    def read(slot: int) -> None:
        try:
            barrier.wait()
            cursor = 0
            while True:
                batch = manager.events_since(job_id, cursor)
                seen[slot].extend(batch)
                if batch:
                    cursor = batch[-1].seq
                    if batch[-1].state is not None and batch[-1].state.is_terminal:
                        return
                time.sleep(0)  # yield the GIL; synchronisation is the barrier and the terminal event
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(slot,)) for slot in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    manager.shutdown()
    assert not errors
    for events in seen:
        seqs = [e.seq for e in events]
        assert seqs == sorted(set(seqs)), "each reader sees increasing, unique seqs"
        assert events[0].state is JobState.RUNNING
        assert events[-1].state is JobState.SUCCEEDED and events[-1].done == reports


def test_readers_do_not_steal_each_others_events(inline_manager: JobManager) -> None:
    def work(ctx: JobContext) -> None:
        for i in range(5):
            ctx.report("p", done=i)

    job_id = inline_manager.submit("n", work)
    first = inline_manager.events_since(job_id, 0)
    second = inline_manager.events_since(job_id, 0)
    assert first == second and len(first) == 7
    assert inline_manager.events_since(job_id, 3) == first[3:]
    assert inline_manager.events_since(job_id, first[-1].seq) == []


def test_a_reader_that_fell_behind_gets_the_oldest_retained_and_sees_the_gap() -> None:
    log = EventLog(lambda: datetime(2026, 1, 1, tzinfo=UTC), maxlen=4)
    log.state(JobState.RUNNING)
    for i in range(10):
        log.progress("p", i, 10, "", None, None)
    events = log.since(0)
    assert [e.seq for e in events] == [1, 8, 9, 10, 11]  # Running kept; progress 2..7 coalesced away
    log.state(JobState.SUCCEEDED)
    assert [e.seq for e in log.since(5)] == [9, 10, 11, 12]
    assert log.since(11)[-1].state is JobState.SUCCEEDED


def test_state_events_are_never_dropped() -> None:
    log = EventLog(lambda: datetime(2026, 1, 1, tzinfo=UTC), maxlen=2)
    log.state(JobState.RUNNING)
    log.progress("p", 1, 2, "", None, None)
    log.state(JobState.CANCELLING)
    for i in range(50):
        log.progress("p", i, 2, "", None, None)
    log.state(JobState.CANCELLED)
    states = [e.state for e in log.since(0) if e.kind == EVENT_STATE]
    assert states == [JobState.RUNNING, JobState.CANCELLING, JobState.CANCELLED]


def test_reports_after_the_end_are_ignored() -> None:
    log = EventLog(lambda: datetime(2026, 1, 1, tzinfo=UTC))
    log.state(JobState.RUNNING)
    log.state(JobState.SUCCEEDED)
    assert log.progress("late", 1, 1, "", None, None) is None
    latest = log.latest()
    assert latest is not None and latest.state is JobState.SUCCEEDED


def test_text_is_clipped_and_counts_copied(inline_manager: JobManager) -> None:
    counts = {"files": 1}

    def work(ctx: JobContext) -> None:
        ctx.report("p", message="m" * 5000, item="n" * 5000, counts=counts)
        counts["files"] = 99

    job_id = inline_manager.submit("n", work)
    event = inline_manager.events_since(job_id, 0)[1]
    assert len(event.message) == 200 and event.message.endswith("…")
    assert event.item is not None and len(event.item) == 200
    assert event.counts == {"files": 1}


def test_progress_event_has_no_room_for_content() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(pydantic.ValidationError):
        ProgressEvent(seq=1, at=now, content="the whole document")  # type: ignore[call-arg]
    event = ProgressEvent(seq=1, at=now, done=3, total=4)
    with pytest.raises(pydantic.ValidationError):
        event.done = 4  # type: ignore[misc]
    assert event.fraction == 0.75
    assert ProgressEvent(seq=1, at=now).fraction is None


def test_in_flight_items_are_bounded_and_clipped() -> None:
    log = EventLog(lambda: datetime(2026, 1, 1, tzinfo=UTC))
    log.state(JobState.RUNNING)
    items = [(f"file-{i}.pdf", 1000 + i, 0.25 * i) for i in range(IN_FLIGHT_LIMIT + 5)]
    items[0] = ("n" * 5000, 7, 1.04)
    log.progress("parse", 1, 2, "", None, None, items)
    latest = log.latest()
    assert latest is not None and len(latest.in_flight) == IN_FLIGHT_LIMIT
    first = latest.in_flight[0]
    assert len(first.name) == 200 and first.name.endswith("…") and (first.size, first.running_s) == (7, 1.0)
    assert latest.in_flight[1] == InFlightItem(name="file-1.pdf", size=1001, running_s=0.2)
    # A state event describes a job that is not running anything any more.
    assert log.state(JobState.CANCELLING).in_flight == ()
    with pytest.raises(pydantic.ValidationError):
        InFlightItem(name="a", text="content")  # type: ignore[call-arg]
