from __future__ import annotations

import gc
import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docmind_snapshots import SnapshotCommitError, SnapshotError, SnapshotInfo, SnapshotStore, WriterBusyError

Leftovers = Callable[[Path], list[str]]
Publish = Callable[..., SnapshotInfo]


def test_begin_gives_a_private_workspace_inside_the_root(store: SnapshotStore, root: Path) -> None:
    with store.begin("me") as ws:
        assert ws.path.is_dir()
        assert ws.path.parent == root.resolve() / "tmp"
        assert ws.path.name.startswith(f"ws-{os.getpid()}-")
        assert ws.path.stat().st_dev == root.stat().st_dev
        ws.abort()


def test_commit_publishes_and_activates(store: SnapshotStore, root: Path, leftovers: Leftovers) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    with store.begin("me") as ws:
        (ws.path / "a.txt").write_bytes(b"alpha")
        (ws.path / "deep" / "er").mkdir(parents=True)
        (ws.path / "deep" / "er" / "b.bin").write_bytes(b"\x00" * 3000)
        (ws.path / "empty").write_bytes(b"")
        info = ws.commit({"files_total": 3, "nested": {"k": [1, 2]}})
    assert info.id == "snap-000001-" + info.created.strftime("%Y%m%dT%H%M%SZ")
    assert info.active
    assert info.stored_files == 3
    assert info.size_bytes == 3005
    assert info.metadata == {"files_total": 3, "nested": {"k": [1, 2]}}
    assert before <= info.created <= datetime.now(UTC)
    assert (root / "CURRENT").read_text() == info.id + "\n"
    snapshot = root / "snapshots" / info.id
    assert (snapshot / "deep/er/b.bin").read_bytes() == b"\x00" * 3000
    manifest = json.loads((snapshot / "MANIFEST.json").read_text())
    assert manifest["schema_version"] == 1
    assert manifest["id"] == info.id
    assert [f["path"] for f in manifest["files"]] == ["a.txt", "deep/er/b.bin", "empty"]
    assert (
        manifest["files"][0]["sha256"] == "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8"
    )
    assert store.current() == info
    assert store.verify(info.id).ok
    assert leftovers(root) == []
    assert not (root / "writer.owner").exists()


def test_counter_grows_by_one(store: SnapshotStore, publish: Publish) -> None:
    ids = [publish(store).id for _ in range(3)]
    assert [int(i.split("-")[1]) for i in ids] == [1, 2, 3]


def test_commit_without_activate_keeps_current(store: SnapshotStore, publish: Publish) -> None:
    first = publish(store)
    second = publish(store, activate=False)
    assert not second.active
    current = store.current()
    assert current is not None
    assert current.id == first.id
    assert [(i.id, i.active) for i in store.list()] == [(second.id, False), (first.id, True)]


def test_abort_removes_workspace_and_frees_lock(
    store: SnapshotStore, root: Path, leftovers: Leftovers
) -> None:
    ws = store.begin()
    (ws.path / "x").write_bytes(b"x")
    ws.abort()
    ws.abort()  # idempotent
    assert leftovers(root) == []
    assert store.current() is None
    store.begin().abort()


def test_exception_in_with_removes_workspace_and_frees_lock(
    store: SnapshotStore, root: Path, leftovers: Leftovers
) -> None:
    with pytest.raises(RuntimeError, match="boom"), store.begin() as ws:
        (ws.path / "x").write_bytes(b"x")
        raise RuntimeError("boom")
    assert leftovers(root) == []
    assert list((root / "snapshots").iterdir()) == []
    store.begin().abort()


def test_leaving_with_without_commit_discards(
    store: SnapshotStore, root: Path, leftovers: Leftovers, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="docmind_snapshots"), store.begin() as ws:
        (ws.path / "x").write_bytes(b"x")
    assert "without commit" in caplog.text
    assert leftovers(root) == []
    store.begin().abort()


def test_workspace_is_single_use(store: SnapshotStore) -> None:
    with store.begin() as ws:
        ws.commit()
    with pytest.raises(SnapshotError, match="already committed or aborted"):
        ws.commit()
    ws.abort()  # no-op after commit
    assert store.current() is not None


def test_dropped_workspace_releases_the_lock(store: SnapshotStore, root: Path, leftovers: Leftovers) -> None:
    ws = store.begin()
    with pytest.raises(WriterBusyError):
        store.begin()
    del ws
    gc.collect()
    assert leftovers(root) == []
    store.begin().abort()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda ws, outside: (ws / "esc").symlink_to("../../../outside.txt"),
            "pointing outside the workspace",
        ),
        (lambda ws, outside: (ws / "abs").symlink_to(outside), "absolute symlink"),
        (lambda ws, outside: (ws / "dangling").symlink_to("missing"), "dangling symlink"),
        (
            lambda ws, outside: (ws / "d").mkdir() or (ws / "dirlink").symlink_to("d"),
            "symlink to a directory",
        ),
        (lambda ws, outside: os.mkfifo(ws / "fifo"), "not a regular file"),
        (lambda ws, outside: (ws / "MANIFEST.json").write_text("{}"), "reserved name"),
    ],
    ids=["escaping", "absolute", "dangling", "to-dir", "fifo", "manifest-name"],
)
def test_unsafe_entries_are_refused_at_commit(
    store: SnapshotStore,
    root: Path,
    tmp_path: Path,
    leftovers: Leftovers,
    make: Callable[[Path, Path], object],
    message: str,
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    ws = store.begin()
    (ws.path / "ok.txt").write_text("fine")
    make(ws.path, outside)
    with pytest.raises(SnapshotCommitError, match=message):
        ws.commit()
    assert leftovers(root) == []
    assert store.current() is None
    assert outside.read_text() == "secret"
    store.begin().abort()


def test_internal_relative_symlink_is_published(store: SnapshotStore) -> None:
    with store.begin() as ws:
        (ws.path / "data").mkdir()
        (ws.path / "data" / "real.txt").write_text("content")
        (ws.path / "alias.txt").symlink_to("data/real.txt")
        (ws.path / "data" / "up.txt").symlink_to("../data/real.txt")
        info = ws.commit()
    path = store.path_of(info.id)
    assert (path / "alias.txt").read_text() == "content"
    assert store.verify(info.id).ok


def test_metadata_must_be_json(store: SnapshotStore, root: Path, leftovers: Leftovers) -> None:
    ws = store.begin()
    with pytest.raises(SnapshotCommitError, match="metadata must be JSON"):
        ws.commit({"when": object()})  # type: ignore[dict-item]
    assert leftovers(root) == []
    store.begin().abort()
