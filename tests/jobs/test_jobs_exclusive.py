from __future__ import annotations

import threading
from pathlib import Path

import pytest
from docmind_jobs import JobConflictError, JobContext, JobManager, JobRegistry, JobState

THREADS = 100


def hold(release: threading.Event):
    def work(ctx: JobContext) -> None:
        release.wait(30)

    return work


def race(managers: list[JobManager], release: threading.Event) -> tuple[list[str], list[JobConflictError]]:
    barrier = threading.Barrier(THREADS, timeout=30)
    accepted: list[str] = []
    refused: list[JobConflictError] = []
    other: list[BaseException] = []

    def submit(index: int) -> None:
        manager = managers[index % len(managers)]
        barrier.wait()
        try:
            accepted.append(
                manager.submit("ingest", hold(release), exclusive_key="index-a", owner=f"t{index}")
            )
        except JobConflictError as exc:
            refused.append(exc)
        except BaseException as exc:
            other.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not other
    return accepted, refused


def test_a_hundred_threads_submitting_at_once_exactly_one_is_accepted() -> None:
    release = threading.Event()
    manager = JobManager(max_workers=2)
    try:
        accepted, refused = race([manager], release)
        assert len(accepted) == 1 and len(refused) == THREADS - 1
        assert {exc.active.id for exc in refused} == set(accepted)
    finally:
        release.set()
        manager.shutdown()


def test_two_managers_sharing_a_registry_race_and_exactly_one_wins(db_path: Path) -> None:
    release = threading.Event()
    registries = [JobRegistry(db_path), JobRegistry(db_path)]
    managers = [JobManager(registry=registry) for registry in registries]
    try:
        accepted, refused = race(managers, release)
        assert len(accepted) == 1 and len(refused) == THREADS - 1
        assert {exc.active.id for exc in refused} == set(accepted)
        rows = registries[0].list(limit=500)
        assert [row.id for row in rows] == accepted
    finally:
        release.set()
        for manager in managers:
            manager.shutdown()
        for registry in registries:
            registry.close()


def test_conflict_names_the_active_job_and_the_key_is_freed_when_it_ends(manager: JobManager) -> None:
    release = threading.Event()
    job_id = manager.submit("ingest", hold(release), exclusive_key="index-a", owner="alice")
    with pytest.raises(JobConflictError) as caught:
        manager.submit("ingest", hold(release), exclusive_key="index-a")
    message = str(caught.value)
    for part in (job_id, "ingest", "alice", "index-a"):
        assert part in message
    assert caught.value.active.id == job_id and caught.value.active.state.is_active
    assert manager.active("index-a").id == job_id  # type: ignore[union-attr]
    assert manager.submit("ingest", lambda ctx: None, exclusive_key="index-b")  # other keys are free
    release.set()
    manager.wait(job_id, timeout=10)
    assert manager.active("index-a") is None
    follow_up = manager.submit("ingest", lambda ctx: "ok", exclusive_key="index-a")
    assert manager.wait(follow_up, timeout=10).state is JobState.SUCCEEDED


def test_active_sees_a_live_job_of_another_manager_through_the_registry(db_path: Path) -> None:
    release = threading.Event()
    first_registry, second_registry = JobRegistry(db_path), JobRegistry(db_path)
    first, second = JobManager(registry=first_registry), JobManager(registry=second_registry)
    try:
        job_id = first.submit("ingest", hold(release), exclusive_key="index-a", owner="tab-1")
        found = second.active("index-a")
        assert found is not None and found.id == job_id and found.owner == "tab-1"
        with pytest.raises(JobConflictError, match=job_id):
            second.submit("ingest", hold(release), exclusive_key="index-a")
        release.set()
        first.wait(job_id, timeout=10)
        assert second.active("index-a") is None
        assert second.wait(second.submit("ingest", lambda ctx: None, exclusive_key="index-a"), timeout=10)
    finally:
        release.set()
        first.shutdown()
        second.shutdown()
        first_registry.close()
        second_registry.close()
