"""Segments built by Ray workers when the cluster shares the driver's storage, on a real local runtime.

The summary names the processes that built the new segments (``index_builders``); a Ray worker is a
child of its node's raylet, a local worker is not. The builders checksum what they wrote: the
driver's seal (this test process) reads no segment file. The build's threshold for parallel groups is
lowered in the driver (where the groups are made), so a small corpus is built as two Ray tasks.
Cancel and a killed build worker are driven from the process table: the build task is seen running
(``ray::run_reporting``), then the job is cancelled or that worker killed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from docmind.executors.errors import IngestCancelled
from docmind.ingest.index import phase
from docmind.ingest.index.phase import IndexBuildError
from docmind.ingest.publish.summary import IngestSummary
from docmind.search import search
from docmind_snapshots import SnapshotStore, seals

from tests.support.corpus import make_text
from tests.support.datadir import assert_store_whole
from tests.support.ray_processes import running_ray_tasks
from tests.support.run_engine import ingest

BUILD_TASK = "run_reporting"
QUERIES = ("kestrel archive phrase", "heron ledger phrase", "notes", "generated river summit")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("corpus")
    make_text(docs / "archive.md", paragraphs=30, seed=1, phrase="kestrel archive phrase")
    make_text(docs / "ledger.txt", paragraphs=30, seed=2, phrase="heron ledger phrase")
    for number in range(6):
        make_text(docs / "more" / f"note-{number}.rst", paragraphs=20, seed=10 + number)
    return docs


@pytest.fixture
def two_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any change of more than 2 chunks is built as two groups (one per worker of a 2-CPU runtime)."""
    monkeypatch.setattr(phase, "PARALLEL_BUILD_CHUNKS", 1)


def _hits(data: Path) -> list[list[tuple]]:
    store = SnapshotStore(data / "index")
    return [[(h.file, h.page, h.score) for h in search(store, q, k=5, mode="bm25").hits] for q in QUERIES]


def _is_ray_worker(pid: int) -> bool:
    """Whether ``pid`` is a Ray worker process: a child of a raylet (Ray keeps its idle workers alive,
    while a job's local workers end with it)."""
    try:
        parent = psutil.Process(pid).parent()
        return parent is not None and parent.name() == "raylet"
    except psutil.NoSuchProcess:
        return False


def _segments(data: Path) -> int:
    store = SnapshotStore(data / "index")
    current = store.current()
    assert current is not None
    files = store.manifest(current.id).files
    return len({e.path.split("/")[1] for e in files if e.path.startswith("segments/")})


@pytest.mark.usefixtures("two_groups")
def test_shared_storage_builds_the_segments_on_ray_as_the_local_pool_builds_them(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed_here: list[str] = []
    real = seals.fsync_and_hash

    def counting(top: Path, relative: str) -> object:
        hashed_here.append(relative)
        return real(top, relative)

    monkeypatch.setattr(seals, "fsync_and_hash", counting)
    local = ingest(tmp_path / "local", corpus, executor="local")
    on_ray = ingest(tmp_path / "ray", corpus, executor="ray", ray_documents="shared")
    assert hashed_here and not [path for path in hashed_here if path.startswith("segments/")]
    assert assert_store_whole(tmp_path / "ray") and assert_store_whole(tmp_path / "local")
    assert _hits(tmp_path / "ray") == _hits(tmp_path / "local")
    assert _segments(tmp_path / "ray") == _segments(tmp_path / "local") == 2
    assert sum(b.segments for b in on_ray.index_builders) == 2
    assert all(b.pid != os.getpid() and _is_ray_worker(b.pid) for b in on_ray.index_builders)
    assert sum(b.segments for b in local.index_builders) == 2
    assert not any(_is_ray_worker(b.pid) for b in local.index_builders)


def test_without_shared_storage_the_segments_are_built_on_this_machine(corpus: Path, tmp_path: Path) -> None:
    summary = ingest(tmp_path, corpus, executor="ray", ray_documents="store")
    assert summary.ray_workers and summary.index_builders
    assert not any(_is_ray_worker(b.pid) for b in summary.index_builders)


def _when_the_build_runs_on_ray(act: Callable[[int], None], job: threading.Thread, seen: list[int]) -> None:
    """Watch the process table until a Ray worker runs the build; then ``act`` on its pid."""
    while job.is_alive():
        running = running_ray_tasks(BUILD_TASK)
        if running:
            seen.append(running[0])
            act(running[0])
            return
        time.sleep(0.002)


def _ingest_acting_on_the_build(
    data: Path, docs: Path, act: Callable[[int], None], cancel: threading.Event
) -> tuple[list[IngestSummary | BaseException], list[int]]:
    outcome: list[IngestSummary | BaseException] = []
    seen: list[int] = []

    def run() -> None:
        try:
            outcome.append(ingest(data, docs, executor="ray", ray_documents="shared", cancel=cancel))
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    job = threading.Thread(target=run)
    job.start()
    _when_the_build_runs_on_ray(act, job, seen)
    job.join(120)
    assert not job.is_alive(), "the job did not end"
    return outcome, seen


@pytest.mark.usefixtures("two_groups")
@pytest.mark.parametrize("fault", ["cancel", "kill"])
def test_a_cancel_or_a_dead_worker_during_the_ray_build_keeps_the_previous_snapshot(
    fault: str, corpus: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    previous = ingest(data, corpus, executor="ray", ray_documents="shared").snapshot_id
    for number in range(12):  # a change big enough to keep a build task busy for a moment
        make_text(corpus / "added" / f"{fault}-{number}.txt", paragraphs=80, seed=100 + number)
    cancel = threading.Event()

    def act(pid: int) -> None:
        if fault == "cancel":
            cancel.set()
        else:
            os.kill(pid, signal.SIGKILL)

    try:
        outcome, seen = _ingest_acting_on_the_build(data, corpus, act, cancel)
    finally:
        for path in (corpus / "added").glob(f"{fault}-*.txt"):
            path.unlink()
    assert seen, "no Ray worker ever ran the segment build"
    expected = IngestCancelled if fault == "cancel" else IndexBuildError
    assert len(outcome) == 1 and isinstance(outcome[0], expected), outcome
    if fault == "kill":
        assert "died" in str(outcome[0])
    assert assert_store_whole(data) == previous
    deadline = time.monotonic() + 10
    while running_ray_tasks(BUILD_TASK) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running_ray_tasks(BUILD_TASK) == [], "a Ray build task outlived its job"
