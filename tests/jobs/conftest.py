from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docmind_jobs import InlineExecutor, JobManager, JobRegistry


class FakeClock:
    """A clock that only moves when told to, so time-based rules are tested without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jobs.db"


@pytest.fixture
def registry(db_path: Path) -> Iterator[JobRegistry]:
    reg = JobRegistry(db_path, progress_interval=0.0)
    yield reg
    reg.close()


@pytest.fixture
def manager() -> Iterator[JobManager]:
    mgr = JobManager(max_workers=2)
    yield mgr
    mgr.shutdown(timeout=2.0)


@pytest.fixture
def inline_manager(clock: FakeClock) -> Iterator[JobManager]:
    mgr = JobManager(clock=clock, executor_factory=InlineExecutor)
    yield mgr
    mgr.shutdown()
