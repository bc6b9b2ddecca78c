"""ENOSPC / EIO injected through the fsops seam at every durable step of a commit."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import SnapshotCommitError, SnapshotStore, fsops

Publish = Callable[..., Any]
Leftovers = Callable[[Path], list[str]]


class Injector:
    """Wraps the fsops functions; `arm(point, err)` makes the chosen point raise OSError(err)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.point: str | None = None
        self.err = 0
        self.fired = False
        self.current_replaced = False
        real_fsync, real_write, real_replace, real_rename = (
            fsops.fsync,
            fsops.write,
            fsops.replace,
            fsops.rename,
        )

        def fsync(fd: int) -> None:
            is_dir = Path(f"/proc/self/fd/{fd}").is_dir()
            if self.point == "file fsync" and not is_dir:
                self._fire()
            if (
                self.point in ("dir fsync after CURRENT replace", "restore fails")
                and is_dir
                and self.current_replaced
            ):
                self._fire()
            real_fsync(fd)

        def write(fd: int, data: bytes | memoryview) -> int:
            if self.point == "manifest write" and b'"schema_version"' in bytes(data):
                self._fire()
            if self.point == "short writes":
                return real_write(fd, bytes(data)[:1])
            return real_write(fd, data)

        def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            is_current = Path(dst).name == "CURRENT"
            if is_current and (
                self.point == "CURRENT replace" or (self.point == "restore fails" and self.fired)
            ):
                self._fire()
            real_replace(src, dst)
            if is_current:
                self.current_replaced = True

        def rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            if self.point == "publish rename":
                self._fire()
            real_rename(src, dst)

        monkeypatch.setattr(fsops, "fsync", fsync)
        monkeypatch.setattr(fsops, "write", write)
        monkeypatch.setattr(fsops, "replace", replace)
        monkeypatch.setattr(fsops, "rename", rename)

    def arm(self, point: str, err: int) -> None:
        self.point, self.err, self.fired, self.current_replaced = point, err, False, False

    def disarm(self) -> None:
        self.point = None

    def _fire(self) -> None:
        self.fired = True
        raise OSError(self.err, os.strerror(self.err))


@pytest.fixture
def inject(monkeypatch: pytest.MonkeyPatch) -> Injector:
    return Injector(monkeypatch)


POINTS = [
    "file fsync",
    "manifest write",
    "publish rename",
    "CURRENT replace",
    "dir fsync after CURRENT replace",
]


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
@pytest.mark.parametrize("point", POINTS)
def test_failure_during_commit_leaves_the_previous_snapshot(
    root: Path, publish: Publish, leftovers: Leftovers, inject: Injector, point: str, err: int
) -> None:
    store = SnapshotStore(root)
    previous = publish(store, {"old.txt": b"old"})
    ws = store.begin("faulty")
    (ws.path / "new.txt").write_bytes(b"new" * 1000)
    inject.arm(point, err)
    with pytest.raises(SnapshotCommitError) as caught:
        ws.commit({"n": 2})
    assert inject.fired
    inject.disarm()
    message = str(caught.value)
    assert os.strerror(err) in message  # "No space left on device" / "Input/output error"
    assert "nothing was published" in message
    cause = caught.value.__cause__
    assert isinstance(cause, OSError)
    assert cause.errno == err
    # The previous active snapshot is still active and whole; nothing else was left behind.
    current = store.current()
    assert current is not None
    assert current.id == previous.id
    assert store.verify(previous.id).ok
    assert [i.id for i in store.list()] == [previous.id]
    assert leftovers(root) == []
    # The lock is free and the next commit works.
    info = publish(store, {"next.txt": b"next"})
    assert store.current() == info
    reopened = SnapshotStore(root)
    assert reopened.recovery.current_repaired is None
    assert reopened.recovery.removed_workspaces == ()


@pytest.mark.parametrize("point", ["file fsync", "manifest write", "CURRENT replace"])
def test_failure_of_the_first_commit_leaves_no_snapshot(
    root: Path, leftovers: Leftovers, inject: Injector, point: str
) -> None:
    store = SnapshotStore(root)
    ws = store.begin()
    (ws.path / "f").write_text("x")
    inject.arm(point, errno.ENOSPC)
    with pytest.raises(SnapshotCommitError, match="No space left on device"):
        ws.commit()
    inject.disarm()
    assert store.current() is None
    assert store.list() == []
    assert not (root / "CURRENT").exists()
    assert leftovers(root) == []
    store.begin().abort()


def test_short_writes_are_completed(root: Path, publish: Publish, inject: Injector) -> None:
    store = SnapshotStore(root)
    inject.arm("short writes", 0)
    info = publish(store)
    assert store.verify(info.id).ok
    assert (root / "CURRENT").read_text() == info.id + "\n"


def test_failure_in_activate_keeps_current(root: Path, publish: Publish, inject: Injector) -> None:
    store = SnapshotStore(root)
    first, second = publish(store), publish(store)
    inject.arm("CURRENT replace", errno.EIO)
    with pytest.raises(Exception, match=r"could not activate .*Input/output error"):
        store.activate(first.id)
    inject.disarm()
    current = store.current()
    assert current is not None
    assert current.id == second.id
    assert [p.name for p in root.iterdir() if ".tmp-" in p.name] == []


def test_failed_restore_of_current_is_reported(
    root: Path, publish: Publish, leftovers: Leftovers, inject: Injector
) -> None:
    store = SnapshotStore(root)
    publish(store)
    ws = store.begin()
    (ws.path / "new.txt").write_text("new")
    inject.arm("restore fails", errno.EIO)
    with pytest.raises(
        SnapshotCommitError, match=r"restoring CURRENT failed too, so snapshot .* remains active"
    ):
        ws.commit()
    inject.disarm()
    current = store.current()
    assert current is not None
    assert store.verify(current.id).ok  # CURRENT still names a complete snapshot
    assert leftovers(root) == []
    store.begin().abort()


def test_retention_failure_does_not_fail_the_commit(
    root: Path,
    publish: Publish,
    inject: Injector,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SnapshotStore(root, retention=1)
    first = publish(store)
    ws = store.begin()
    (ws.path / "f").write_text("x")

    def fail_renames_from_step_8(name: str) -> None:
        if name == "commit.8":  # the publish rename is done; retention's rename into the trash will fail
            inject.arm("publish rename", errno.EIO)

    monkeypatch.setattr(fsops, "checkpoint", fail_renames_from_step_8)
    info = ws.commit()
    assert inject.fired
    inject.disarm()
    assert store.current() == info
    assert f"retention could not delete snapshot {first.id}" in caplog.text
    assert [i.id for i in store.list()] == [info.id, first.id]
    assert store.apply_retention() == [first.id]


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
@pytest.mark.parametrize("point", POINTS)
def test_a_failed_commit_that_adopted_segments_leaves_them_whole_in_the_previous_snapshot(
    root: Path, publish: Publish, leftovers: Leftovers, inject: Injector, point: str, err: int
) -> None:
    store = SnapshotStore(root)
    shared = b"segment bytes " * 4096
    previous = publish(store, {"segments/s1/records.bin": shared, "segments/s2/records.bin": b"other"})
    ws = store.begin("adopting")
    assert ws.adopt(previous.id, ["segments/s1/records.bin"]) == 1
    (ws.path / "segments" / "s3").mkdir(parents=True)
    (ws.path / "segments" / "s3" / "records.bin").write_bytes(b"the change" * 100)
    inject.arm(point, err)
    with pytest.raises(SnapshotCommitError):
        ws.commit({"n": 2})
    assert inject.fired
    inject.disarm()
    # The previous snapshot still holds the segment it shared, whole, and nothing else is left.
    assert store.current() is not None and store.current().id == previous.id  # type: ignore[union-attr]
    assert store.verify(previous.id).ok
    with store.open(previous.id) as path:
        kept = Path(path) / "segments" / "s1" / "records.bin"
        assert kept.read_bytes() == shared
        assert kept.stat().st_nlink == 1  # the workspace's link went with the workspace
    assert [i.id for i in store.list()] == [previous.id]
    assert leftovers(root) == []


def test_reclaiming_a_snapshot_cut_short_never_takes_a_segment_another_snapshot_names(
    root: Path, publish: Publish, leftovers: Leftovers, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SnapshotStore(root, retention=1)
    shared = b"segment bytes " * 4096
    first = publish(store, {"segments/s1/records.bin": shared, "segments/old/records.bin": b"old"})
    ws = store.begin("adopting")
    ws.adopt(first.id, ["segments/s1/records.bin"])
    (ws.path / "segments" / "new").mkdir(parents=True)
    (ws.path / "segments" / "new" / "records.bin").write_bytes(b"new")

    def crash_after_trashing(name: str) -> None:
        if name == "delete.trashed":  # retention moved the old snapshot to the trash, then the process dies
            raise KeyboardInterrupt

    monkeypatch.setattr(fsops, "checkpoint", crash_after_trashing)
    with pytest.raises(KeyboardInterrupt):
        ws.commit()
    monkeypatch.undo()
    reopened = SnapshotStore(root, retention=1)  # recovery finishes the reclamation
    current = reopened.current()
    assert current is not None and current.id != first.id
    assert [i.id for i in reopened.list()] == [current.id]
    assert reopened.verify(current.id).ok
    with reopened.open(current.id) as path:
        kept = Path(path) / "segments" / "s1" / "records.bin"
        assert kept.read_bytes() == shared and kept.stat().st_nlink == 1
    assert leftovers(root) == []
