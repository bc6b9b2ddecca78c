from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import SnapshotStore, Workspace, WriterBusyError, fsops
from docmind_snapshots.locking import WAIT_CHECKPOINT

Spawn = Callable[..., Any]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Set whenever a writer finds the lock held and starts waiting for it."""
    waiting = threading.Event()
    real = fsops.checkpoint

    def checkpoint(name: str) -> None:
        real(name)
        if name == WAIT_CHECKPOINT:
            waiting.set()

    monkeypatch.setattr(fsops, "checkpoint", checkpoint)
    yield waiting


def test_second_begin_fails_at_once_naming_the_holder(store: SnapshotStore, waits: threading.Event) -> None:
    ws = store.begin("ingest job 12")
    with pytest.raises(WriterBusyError) as caught:
        store.begin("other")
    assert not waits.is_set()  # without a timeout it never waits
    holder = caught.value.holder
    assert holder is not None
    assert (holder.owner, holder.pid) == ("ingest job 12", os.getpid())
    since = f"{holder.since:%Y-%m-%d %H:%M:%S}"
    assert (
        str(caught.value)
        == f"snapshot store is being written by ingest job 12 (pid {os.getpid()}) since {since} UTC"
    )
    ws.abort()


def test_lock_is_not_reentrant_in_the_same_thread(store: SnapshotStore) -> None:
    with store.begin() as ws:
        with pytest.raises(WriterBusyError):
            store.begin()
        ws.abort()


def test_two_store_instances_in_one_process_exclude_each_other(root: Path) -> None:
    first, second = SnapshotStore(root), SnapshotStore(root)
    ws = first.begin("first")
    with pytest.raises(WriterBusyError, match="first"):
        second.begin()
    ws.abort()
    second.begin().abort()


def test_begin_waits_for_its_timeout_then_names_the_holder(
    store: SnapshotStore, waits: threading.Event
) -> None:
    ws = store.begin("slow")
    with pytest.raises(WriterBusyError, match="slow"):
        store.begin(timeout=0.3)
    assert waits.is_set()  # it waited, and the holder still held the lock when it gave up
    ws.abort()


def test_begin_with_timeout_gets_the_lock_when_released(store: SnapshotStore, waits: threading.Event) -> None:
    holder = store.begin("first")
    result: list[Workspace | BaseException] = []

    def wait_for_lock() -> None:
        try:
            result.append(store.begin("second", timeout=60))
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=wait_for_lock)
    thread.start()
    assert waits.wait(10)  # the second writer is waiting for the lock ...
    assert not result
    holder.abort()  # ... and gets it when the first releases it
    thread.join(60)
    assert len(result) == 1
    assert isinstance(result[0], Workspace)
    result[0].abort()


def test_begin_with_timeout_waits_for_a_holder_in_another_process(
    root: Path, spawn: Spawn, waits: threading.Event
) -> None:
    child = spawn("hold", str(root), "other process")
    child.expect("HOLDING")
    store = SnapshotStore(root)
    result: list[Workspace | BaseException] = []

    def wait_for_lock() -> None:
        try:
            result.append(store.begin("second", timeout=60))
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=wait_for_lock)
    thread.start()
    assert waits.wait(10)
    os.kill(child.pid, signal.SIGKILL)  # the kernel drops the holder's lock
    child.proc.wait(timeout=10)
    thread.join(60)
    assert len(result) == 1 and isinstance(result[0], Workspace), result
    result[0].abort()


@pytest.mark.parametrize("round_", range(10))
def test_two_threads_racing_begin_exactly_one_wins(store: SnapshotStore, round_: int) -> None:
    barrier = threading.Barrier(2, timeout=10)
    decided = threading.Barrier(2, timeout=10)
    outcomes: dict[str, Workspace | WriterBusyError] = {}

    def race(name: str) -> None:
        barrier.wait()
        try:
            outcomes[name] = store.begin(name)
        except WriterBusyError as exc:
            outcomes[name] = exc
        decided.wait()  # the winner holds until both have tried

    threads = [threading.Thread(target=race, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    winners = [o for o in outcomes.values() if isinstance(o, Workspace)]
    losers = [o for o in outcomes.values() if isinstance(o, WriterBusyError)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    winners[0].abort()
    store.begin().abort()


def test_workspace_can_be_committed_from_another_thread(store: SnapshotStore) -> None:
    ws = store.begin()
    (ws.path / "f").write_text("x")
    thread = threading.Thread(target=ws.commit)
    thread.start()
    thread.join(10)
    assert store.current() is not None
    store.begin().abort()


def test_two_processes_racing_begin_exactly_one_wins(root: Path, spawn: Spawn) -> None:
    SnapshotStore(root)
    for _ in range(3):
        children = [spawn("race", str(root)) for _ in range(2)]
        for child in children:
            child.expect("READY")
        for child in children:
            child.send("GO")
        lines = [child.read_line() for child in children]
        assert sorted(line.split()[0] for line in lines) == ["BUSY", "WON"], lines
        winner = children[lines.index("WON")]
        busy = next(line for line in lines if line.startswith("BUSY"))
        assert "snapshot store is being written by" in busy
        assert f"(pid {winner.pid})" in busy or "holder unknown" in busy
        for child in children:
            if child is winner:
                child.send("RELEASE")
            assert child.proc.wait(timeout=10) == 0


def test_a_process_holding_the_lock_blocks_this_one(root: Path, spawn: Spawn) -> None:
    child = spawn("hold", str(root), "ingest in child")
    child.expect("HOLDING")
    store = SnapshotStore(root)
    assert store.recovery.writer_active
    with pytest.raises(WriterBusyError, match=rf"ingest in child \(pid {child.pid}\)"):
        store.begin()


def test_lock_is_freed_when_the_holder_is_sigkilled(root: Path, spawn: Spawn) -> None:
    child = spawn("hold", str(root), "doomed")
    workspace = child.expect("HOLDING").split()[1]
    store = SnapshotStore(root)
    with pytest.raises(WriterBusyError, match="doomed"):
        store.begin()
    os.kill(child.pid, signal.SIGKILL)
    child.proc.wait(timeout=10)
    # The kernel released the flock: no waiting, no stale-lock heuristics.
    store.begin("next").abort()
    reopened = SnapshotStore(root)
    assert reopened.recovery.removed_workspaces == (f"tmp/{workspace}",)
    assert not (root / "tmp" / workspace).exists()
    with reopened.begin() as ws:
        (ws.path / "f").write_text("after the crash")
        ws.commit()


def test_negative_timeout_is_rejected(store: SnapshotStore) -> None:
    with pytest.raises(ValueError, match="timeout"):
        store.begin(timeout=-1)
