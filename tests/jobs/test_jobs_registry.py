from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from docmind_jobs import (
    INTERRUPTED_ERROR,
    SCHEMA_VERSION,
    InlineExecutor,
    JobContext,
    JobManager,
    JobRecord,
    JobRegistry,
    JobState,
    ProgressEvent,
    RegistryError,
)
from docmind_jobs.process import ProcessIdentity, current_process


def make_record(clock, job_id: str = "aaaaaaaaaaaa", key: str | None = None) -> JobRecord:
    return JobRecord(
        id=job_id, kind="ingest", state=JobState.QUEUED, created=clock(), pid=os.getpid(), exclusive_key=key
    )


def dead_process() -> ProcessIdentity:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return ProcessIdentity(int(proc.stdout), 1.0)  # exited and reaped; a reused pid would not match 1.0


def test_history_survives_reopening(db_path: Path, clock) -> None:
    registry = JobRegistry(db_path, clock=clock)
    manager = JobManager(registry=registry, clock=clock, executor_factory=InlineExecutor)

    def work(ctx: JobContext) -> str:
        ctx.report("index", done=2, total=2, counts={"chunks": 10})
        return "snap-1"

    ok = manager.submit("ingest", work, owner="cli", summary={"sources": 2}, exclusive_key="idx")
    bad = manager.submit("ingest", lambda ctx: 1 / 0)  # type: ignore[arg-type, return-value]
    manager.shutdown()
    registry.close()

    with JobRegistry(db_path, clock=clock) as reopened:
        record = reopened.get(ok)
        assert record is not None
        assert (record.state, record.result, record.owner, record.exclusive_key) == (
            JobState.SUCCEEDED,
            "snap-1",
            "cli",
            "idx",
        )
        assert record.summary == {"sources": 2} and record.pid == os.getpid()
        assert record.progress is not None and record.progress.counts == {"chunks": 10}
        assert record.progress.state is JobState.SUCCEEDED
        failed = reopened.get(bad)
        assert failed is not None and failed.error == "ZeroDivisionError: division by zero"
        assert {r.id for r in reopened.list()} == {ok, bad}
        # A manager over the reopened registry reads history it never ran.
        reader = JobManager(registry=reopened, executor_factory=InlineExecutor)
        assert reader.get(ok) == record
        assert reader.events_since(ok, 0) == [record.progress]
        assert reader.events_since(ok, record.progress.seq) == []
        reader.shutdown()


def test_schema_version_is_recorded_and_newer_schemas_refused(db_path: Path) -> None:
    JobRegistry(db_path).close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RegistryError, match="schema version"):
        JobRegistry(db_path)


def test_closed_registry_refuses_use(db_path: Path) -> None:
    registry = JobRegistry(db_path)
    registry.close()
    registry.close()
    with pytest.raises(RegistryError, match="closed"):
        registry.get("x")


def test_finished_jobs_expire_after_the_ttl_and_active_ones_never(db_path: Path, clock) -> None:
    registry = JobRegistry(db_path, clock=clock, ttl=timedelta(days=30))
    manager = JobManager(registry=registry, clock=clock)
    release = threading.Event()
    try:
        done = manager.submit("old", lambda ctx: None)
        manager.wait(done, timeout=10)
        running = manager.submit("long", lambda ctx: str(release.wait(30)))
        clock.advance(timedelta(days=29))
        assert registry.prune() == 0
        clock.advance(timedelta(days=2))
        assert registry.prune() == 1
        assert registry.get(done) is None
        assert registry.get(running) is not None
        recent = manager.submit("recent", lambda ctx: None)
        manager.wait(recent, timeout=10)
        clock.advance(timedelta(days=31))
        with JobRegistry(db_path, clock=clock, ttl=timedelta(days=30)) as reopened:  # prunes at open
            assert reopened.get(recent) is None
            assert reopened.get(running) is not None
    finally:
        release.set()
        manager.shutdown()
        registry.close()


def test_progress_writes_are_throttled_but_state_changes_always_written(db_path: Path, clock) -> None:
    registry = JobRegistry(db_path, clock=clock, progress_interval=10.0)
    manager = JobManager(registry=registry, clock=clock, executor_factory=InlineExecutor)
    stored: list[int | None] = []

    def stored_seq(ctx: JobContext) -> None:
        record = registry.get(ctx.job_id)
        assert record is not None and record.progress is not None
        stored.append(record.progress.seq)

    def work(ctx: JobContext) -> None:
        ctx.report("p", done=1)  # seq 2: first write
        stored_seq(ctx)
        for i in range(2, 6):
            ctx.report("p", done=i)  # seq 3..6: throttled
        stored_seq(ctx)
        clock.advance(timedelta(seconds=11))
        ctx.report("p", done=6)  # seq 7: due again
        stored_seq(ctx)

    job_id = manager.submit("n", work)
    assert stored == [2, 2, 7]
    final = registry.get(job_id)
    assert final is not None and final.progress is not None
    assert (final.progress.seq, final.progress.state) == (8, JobState.SUCCEEDED)
    manager.shutdown()
    registry.close()


def test_jobs_of_dead_processes_become_interrupted_at_open(db_path: Path, clock) -> None:
    me = current_process()
    with JobRegistry(db_path, clock=clock) as registry:
        registry.insert(make_record(clock, "deaddeaddead"), process=dead_process(), manager_id="gone")
        # Same pid, different start time: the pid was reused by a new process (this one).
        reused = ProcessIdentity(me.pid, me.started - 1000)
        registry.insert(make_record(clock, "reusedreused"), process=reused, manager_id="gone")
        registry.insert(make_record(clock, "alivealiveal"), process=me, manager_id="other")
        registry.save(
            make_record(clock, "deaddeaddead").model_copy(update={"state": JobState.RUNNING}), version=1
        )
    with JobRegistry(db_path, clock=clock) as reopened:
        for job_id in ("deaddeaddead", "reusedreused"):
            record = reopened.get(job_id)
            assert record is not None
            assert (record.state, record.error) == (JobState.INTERRUPTED, INTERRUPTED_ERROR)
            assert record.finished == clock()
        alive = reopened.get("alivealiveal")
        assert alive is not None and alive.state is JobState.QUEUED


def test_a_dead_holder_does_not_block_its_key(db_path: Path, clock) -> None:
    with JobRegistry(db_path, clock=clock) as registry:
        registry.insert(
            make_record(clock, "deaddeaddead", key="idx"), process=dead_process(), manager_id="gone"
        )
        conflict = registry.insert(
            make_record(clock, "newnewnewnew", key="idx"), process=current_process(), manager_id="me"
        )
        assert conflict is None
        assert registry.get("deaddeaddead").state is JobState.INTERRUPTED  # type: ignore[union-attr]


def test_out_of_order_writes_never_move_a_job_backwards(registry: JobRegistry, clock) -> None:
    record = make_record(clock)
    registry.insert(record, process=current_process(), manager_id="m")

    def save(state: JobState, version: int) -> None:
        registry.save(record.model_copy(update={"state": state}), version=version)

    save(JobState.RUNNING, 1)
    save(JobState.CANCELLING, 3)
    save(JobState.RUNNING, 2)  # late write of an older state
    assert registry.get(record.id).state is JobState.CANCELLING  # type: ignore[union-attr]
    save(JobState.CANCELLED, 4)
    save(JobState.FAILED, 9)  # terminal rows are final
    assert registry.get(record.id).state is JobState.CANCELLED  # type: ignore[union-attr]
    late = ProgressEvent(seq=2, at=clock(), phase="late")
    registry.save_progress(record.id, late)
    assert registry.get(record.id).progress is None  # type: ignore[union-attr]
