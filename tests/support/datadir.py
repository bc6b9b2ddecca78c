"""Assertions about a data dir after a job, a cancel or a crash."""

from __future__ import annotations

from pathlib import Path

from docmind_snapshots import SnapshotStore


def workspaces_left(data_dir: Path) -> list[Path]:
    """Temporary snapshot workspaces still present under the data dir's store."""
    tmp = data_dir / "index" / "tmp"
    return sorted(tmp.iterdir()) if tmp.exists() else []


def assert_store_whole(data_dir: Path) -> str | None:
    """The store reopens, CURRENT (if any) verifies, and no workspace remains; returns the active id."""
    store = SnapshotStore(data_dir / "index")
    current = store.current()
    if current is not None:
        assert store.verify(current.id).ok
    assert workspaces_left(data_dir) == []
    return current.id if current else None
