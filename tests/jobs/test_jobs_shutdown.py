from __future__ import annotations

import threading
from pathlib import Path
from unittest import mock

import pytest
from docmind_jobs import (
    SHUTDOWN_ERROR,
    DaemonThreadPoolExecutor,
    JobCancelled,
    JobContext,
    JobManager,
    JobRegistry,
    JobState,
    ManagerClosedError,
)


def test_shutdown_returns_once_a_job_that_honours_cancel_has_ended(registry: JobRegistry) -> None:
    manager = JobManager(registry=registry)
    entered, unwound = threading.Event(), threading.Event()

    def work(ctx: JobContext) -> None:
        entered.set()
        try:
            ctx.cancel_event.wait(600)
            raise JobCancelled(ctx.job_id)
        finally:
            unwound.set()

    job_id = manager.submit("polite", work)
    assert entered.wait(10)
    returned = threading.Event()

    def shut_down() -> None:
        manager.shutdown(timeout=600)  # a shutdown that waited out its timeout would never return here
        returned.set()

    threading.Thread(target=shut_down, daemon=True).start()
    assert returned.wait(60), "shutdown kept waiting after the job had ended"
    assert unwound.is_set()  # it returned because the job ended, not because time ran out
    assert manager.get(job_id).state is JobState.CANCELLED  # type: ignore[union-attr]
    assert registry.get(job_id).state is JobState.CANCELLED  # type: ignore[union-attr]


def test_shutdown_interrupts_a_job_that_ignores_cancel_and_does_not_wait_more(registry: JobRegistry) -> None:
    manager = JobManager(max_workers=1, registry=registry)
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()

    def stubborn(ctx: JobContext) -> str:
        entered.set()
        release.wait(600)
        finished.set()
        return "too late"

    job_id = manager.submit("stubborn", stubborn)
    queued = manager.submit("queued", lambda ctx: "never")
    assert entered.wait(10)
    manager.shutdown(timeout=0.3)
    assert not finished.is_set()  # shutdown gave up on the stubborn function instead of waiting for it
    for record in (manager.get(job_id), registry.get(job_id)):
        assert record is not None
        assert (record.state, record.error) == (JobState.INTERRUPTED, SHUTDOWN_ERROR)
    assert manager.get(queued).state is JobState.CANCELLED  # type: ignore[union-attr]
    # When the stubborn function finally returns, Interrupted stays: terminal states are final.
    release.set()
    executor = manager._executor
    assert isinstance(executor, DaemonThreadPoolExecutor) and executor.join_threads(10)
    assert manager.get(job_id).state is JobState.INTERRUPTED  # type: ignore[union-attr]
    assert registry.get(job_id).state is JobState.INTERRUPTED  # type: ignore[union-attr]


def test_no_threads_are_left_after_shutdown(db_path: Path) -> None:
    before = set(threading.enumerate())
    registry = JobRegistry(db_path)
    manager = JobManager(max_workers=3, registry=registry, cancel_poll_interval=0.01)
    barrier = threading.Barrier(4, timeout=10)

    def work(ctx: JobContext) -> None:
        barrier.wait()
        ctx.cancel_event.wait(10)

    ids = [manager.submit("w", work) for _ in range(3)]
    barrier.wait()
    assert len(set(threading.enumerate()) - before) == 4  # three workers and the cancel watcher
    manager.shutdown(timeout=3.0)
    registry.close()
    assert {manager.get(i).state for i in ids} == {JobState.CANCELLED}  # type: ignore[union-attr]
    assert set(threading.enumerate()) - before == set()


def test_the_exit_hook_is_registered_once_and_shuts_the_manager_down(registry: JobRegistry) -> None:
    manager = JobManager(registry=registry)
    with mock.patch("atexit.register") as register:
        manager.install_exit_hooks(timeout=1.0)
        manager.install_exit_hooks(timeout=1.0)  # idempotent
    assert register.call_count == 1
    (hook,), _ = register.call_args
    hook()  # what interpreter exit will do: the hook shuts the manager down
    with pytest.raises(ManagerClosedError):
        manager.submit("late", lambda ctx: None)
