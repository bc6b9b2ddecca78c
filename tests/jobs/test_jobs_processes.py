"""Cross-process behaviour, with real child processes (tests/jobs/jobs_child.py)."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docmind_jobs import (
    INTERRUPTED_ERROR,
    SHUTDOWN_ERROR,
    CancelOutcome,
    JobConflictError,
    JobManager,
    JobRegistry,
    JobState,
)

CHILD = Path(__file__).with_name("jobs_child.py")


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def read_line(proc: subprocess.Popen[str], timeout: float = 15.0) -> str:
    """Read one stdout line, failing (instead of hanging) if none comes within ``timeout``."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        proc.kill()
        raise AssertionError(f"child printed nothing in {timeout} s; stderr: {proc.communicate()[1]}")
    return proc.stdout.readline().strip()


def wait_running(proc: subprocess.Popen[str]) -> str:
    line = read_line(proc)
    assert line.startswith("running "), line
    return line.split()[1]


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_sigkilled_owner_leaves_an_interrupted_job(db_path: Path, children) -> None:
    proc = spawn("hold", str(db_path))
    children.append(proc)
    job_id = wait_running(proc)

    with JobRegistry(db_path) as registry:
        manager = JobManager(registry=registry)
        record = manager.get(job_id)
        assert record is not None and record.state is JobState.RUNNING and record.pid == proc.pid
        with pytest.raises(JobConflictError, match=job_id) as caught:
            manager.submit("ingest", lambda ctx: None, exclusive_key="shared")
        assert caught.value.active.owner == "child"
        manager.shutdown()

    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    with JobRegistry(db_path) as reopened:
        record = reopened.get(job_id)
        assert record is not None
        assert (record.state, record.error) == (JobState.INTERRUPTED, INTERRUPTED_ERROR)
        assert record.progress is not None and record.progress.item == "a.txt"
        manager = JobManager(registry=reopened)
        follow_up = manager.submit("ingest", lambda ctx: "ok", exclusive_key="shared")
        assert manager.wait(follow_up, timeout=10).state is JobState.SUCCEEDED
        manager.shutdown()


def test_cancel_reaches_a_job_of_another_process_through_the_registry(db_path: Path, children) -> None:
    proc = spawn("hold", str(db_path))
    children.append(proc)
    job_id = wait_running(proc)
    with JobRegistry(db_path) as registry:
        manager = JobManager(registry=registry)
        answer = manager.cancel(job_id)
        assert (answer.outcome, answer.state) == (CancelOutcome.REQUESTED_REMOTE, JobState.RUNNING)
        record = manager.wait(job_id, timeout=60)  # the other process reacts; not reacting is a hang
        assert record.state is JobState.CANCELLED and record.cancel_requested
        assert manager.cancel(job_id).outcome is CancelOutcome.ALREADY_FINISHED
        manager.shutdown()
    assert read_line(proc) == "finished Cancelled"
    assert proc.wait(10) == 0


@pytest.mark.parametrize(
    ("options", "state", "error"),
    [
        (("honour",), JobState.CANCELLED, None),
        (("ignore",), JobState.INTERRUPTED, SHUTDOWN_ERROR),
    ],
    ids=["honours-cancel", "ignores-cancel"],
)
def test_process_exits_promptly_at_interpreter_exit(
    db_path: Path, children, options: tuple[str, ...], state: JobState, error: str | None
) -> None:
    proc = spawn("exit", str(db_path), *options)
    children.append(proc)
    job_id = wait_running(proc)
    _, stderr = proc.communicate(timeout=60)  # a process that does not exit by then hangs
    assert proc.returncode == 0, stderr
    with JobRegistry(db_path) as registry:
        record = registry.get(job_id)
        assert record is not None and (record.state, record.error) == (state, error)


def test_sigterm_cancels_jobs_and_exits_through_the_exit_hooks(db_path: Path, children) -> None:
    proc = spawn("signal", str(db_path))
    children.append(proc)
    job_id = wait_running(proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    with JobRegistry(db_path) as registry:
        record = registry.get(job_id)
        assert record is not None and record.state is JobState.CANCELLED
