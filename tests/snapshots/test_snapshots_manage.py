from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import (
    InvalidSnapshotIdError,
    SnapshotActiveError,
    SnapshotDamagedError,
    SnapshotInUseError,
    SnapshotNotFoundError,
    SnapshotStore,
    WriterBusyError,
)

Publish = Callable[..., Any]
Spawn = Callable[..., Any]
MISSING = "snap-000099-20261129T120000Z"


def ids(store: SnapshotStore) -> list[str]:
    return [info.id for info in store.list()]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_activate_rolls_back(store: SnapshotStore, root: Path, publish: Publish) -> None:
    first, second = publish(store), publish(store)
    info = store.activate(first.id)
    assert info.id == first.id
    assert info.active
    assert (root / "CURRENT").read_text() == first.id + "\n"
    current = store.current()
    assert current is not None
    assert current.id == first.id
    store.activate(second.id)
    assert [i.active for i in store.list()] == [True, False]


def test_activate_refuses_a_damaged_snapshot(store: SnapshotStore, publish: Publish) -> None:
    first, second = publish(store), publish(store)
    (store.path_of(first.id) / "a.txt").write_bytes(b"ALPHA")
    with pytest.raises(SnapshotDamagedError, match=rf"{first.id} is damaged.*a.txt content does not match"):
        store.activate(first.id)
    current = store.current()
    assert current is not None
    assert current.id == second.id


def test_activate_unknown_and_busy(store: SnapshotStore, publish: Publish) -> None:
    info = publish(store)
    with pytest.raises(SnapshotNotFoundError):
        store.activate(MISSING)
    ws = store.begin("writer")
    with pytest.raises(WriterBusyError, match="writer"):
        store.activate(info.id)
    ws.abort()


@pytest.mark.parametrize("bad", ["../x", "snap-1/../../etc", "", "snap-000001-20261129T120000Z/../../etc"])
def test_traversal_ids_are_refused_by_managers(store: SnapshotStore, bad: str) -> None:
    with pytest.raises(InvalidSnapshotIdError):
        store.activate(bad)
    with pytest.raises(InvalidSnapshotIdError):
        store.delete(bad)


def test_delete(store: SnapshotStore, root: Path, publish: Publish) -> None:
    first, second = publish(store), publish(store)
    store.delete(first.id)
    assert ids(store) == [second.id]
    assert sorted(p.name for p in (root / "tmp").iterdir()) == []
    assert sorted(p.name for p in (root / "pins").iterdir()) == []
    with pytest.raises(SnapshotNotFoundError):
        store.delete(first.id)


def test_delete_refuses_the_active_snapshot(store: SnapshotStore, publish: Publish) -> None:
    info = publish(store)
    with pytest.raises(SnapshotActiveError, match=f"{info.id} is the active snapshot"):
        store.delete(info.id)
    assert ids(store) == [info.id]


def test_delete_refuses_a_snapshot_pinned_in_this_process(store: SnapshotStore, publish: Publish) -> None:
    first, _ = publish(store), publish(store)
    with store.open(first.id) as path:
        with pytest.raises(SnapshotInUseError, match=rf"in use by a reader \(pid {os.getpid()}\)"):
            store.delete(first.id)
        assert (path / "a.txt").read_bytes() == b"alpha"
    store.delete(first.id)


def test_pins_work_across_processes_and_die_with_them(root: Path, publish: Publish, spawn: Spawn) -> None:
    store = SnapshotStore(root)
    first, _ = publish(store), publish(store)
    child = spawn("pin", str(root), first.id)
    child.expect("PINNED")
    with pytest.raises(SnapshotInUseError, match=f"pid {child.pid}"):
        store.delete(first.id)
    child.kill()
    store.delete(first.id)  # the dead reader's pin is ignored
    assert first.id not in ids(store)


def test_pins_of_dead_processes_are_ignored_and_cleaned(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    first, _ = publish(store), publish(store)
    stale = root / "pins" / f"{first.id}.{dead_pid()}.0123456789ab.pin"
    stale.touch()
    reopened = SnapshotStore(root)
    assert reopened.recovery.removed_pins == (f"pins/{stale.name}",)
    stale.touch()
    reopened.delete(first.id)
    assert first.id not in ids(reopened)


def test_retention_keeps_the_newest_n(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root, retention=2)
    made = [publish(store).id for _ in range(5)]
    assert ids(store) == made[::-1][:2]
    assert sorted(p.name for p in (root / "tmp").iterdir()) == []


def test_retention_keeps_the_active_one_in_addition(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root, retention=2)
    oldest = publish(store).id
    publish(store)
    store.activate(oldest)
    newer = [publish(store, activate=False).id for _ in range(3)]
    assert ids(store) == [newer[2], newer[1], oldest]


def test_retention_skips_pinned_snapshots(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root, retention=1)
    first = publish(store).id
    with store.open(first):
        second = publish(store).id
        third = publish(store).id
        assert ids(store) == [third, first]
    assert second not in ids(store)
    assert store.apply_retention() == [first]
    assert ids(store) == [third]


def test_apply_retention_explicitly(root: Path, publish: Publish) -> None:
    made = [publish(SnapshotStore(root, retention=10)).id for _ in range(4)]
    store = SnapshotStore(root, retention=2)
    assert ids(store) == made[::-1]
    assert store.apply_retention() == [made[1], made[0]]
    assert ids(store) == [made[3], made[2]]
    assert store.apply_retention() == []


def test_retention_must_keep_one(root: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        SnapshotStore(root, retention=0)


def test_counter_continues_after_deletes_and_trash(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root, retention=1)
    for _ in range(3):
        publish(store)
    newest = publish(store)
    assert newest.id.startswith("snap-000004-")
