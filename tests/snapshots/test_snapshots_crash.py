"""SIGKILL a committing child process at every commit step (and at random moments), then reopen.

The child (snapshots_child.py, mode "crash") commits snapshots in a loop with retention=2 and reports each
checkpoint on stdout. Paused trials stop it at an exact step (it blocks at the checkpoint, the parent kills
it); random trials kill it right after the N-th reported checkpoint while it keeps running, so the kill
lands at an arbitrary instruction. After every kill the store must reopen whole.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import SnapshotStore, parse_snapshot_id

Spawn = Callable[..., Any]
Leftovers = Callable[[Path], list[str]]

# Every point a commit passes, in order; "commit.6.tmp" is CURRENT's temp file written but not renamed, and
# "delete.trashed" is retention (step 8) between moving a snapshot to the trash and removing it.
STEPS = [
    "write.0",
    "write.2",
    "commit.1",
    "commit.2",
    "commit.3",
    "commit.4",
    "commit.5",
    "commit.6",
    "commit.6.tmp",
    "commit.7",
    "commit.8",
    "delete.trashed",
]
PAUSED_TRIALS = [(step, 1) for step in STEPS if step != "delete.trashed"] + [(step, 3) for step in STEPS]
RANDOM_TRIALS = 12
_AFTER_REPLACE = {"commit.7", "commit.8", "delete.trashed"}


def _counter(snapshot_id: str) -> int:
    return parse_snapshot_id(snapshot_id).counter


def _run_until_killed(
    spawn: Spawn, root: Path, target: str, iteration: int, kill_after: int | None
) -> list[str]:
    """Run the child until the kill condition; return the ids it reported as published."""
    child = spawn("crash", str(root), target, str(iteration))
    published: list[str] = []
    seen = 0
    while True:
        line = child.read_line()
        if line.startswith("PUBLISHED "):
            published.append(line.split()[1])
        elif line == "PAUSED":
            break
        elif line.startswith("AT "):
            seen += 1
            if kill_after is not None and seen >= kill_after:
                break
    child.kill()
    return published


def _check_after_crash(root: Path, leftovers: Leftovers, published: list[str]) -> SnapshotStore:
    store = SnapshotStore(root, retention=2)
    assert leftovers(root) == [], store.recovery
    current = store.current()
    if published:
        assert current is not None
        assert _counter(current.id) >= _counter(published[-1])
    if current is not None:
        assert store.verify(current.id).ok
    assert [p.name for p in (root / "pins").iterdir() if p.name.endswith(".del")] == []
    # The next commit succeeds and becomes active.
    with store.begin("after crash") as ws:
        (ws.path / "after.txt").write_text("after the crash")
        info = ws.commit()
    assert store.current() == info
    assert store.verify(info.id).ok
    return store


@pytest.mark.parametrize(("target", "iteration"), PAUSED_TRIALS, ids=[f"{s}@{i}" for s, i in PAUSED_TRIALS])
def test_kill_at_each_commit_step(
    tmp_path: Path, spawn: Spawn, leftovers: Leftovers, target: str, iteration: int
) -> None:
    root = tmp_path / "store"
    published = _run_until_killed(spawn, root, target, iteration, kill_after=None)
    assert len(published) == iteration - 1
    before = SnapshotStore(root, retention=2)
    current = before.current()
    if target in _AFTER_REPLACE:
        # CURRENT was replaced before the kill: the in-flight snapshot is active.
        assert current is not None
        assert _counter(current.id) == iteration
    elif iteration == 1 and target in {"commit.6", "commit.6.tmp"}:
        # Renamed into snapshots/ but CURRENT never written: recovery adopts it (CURRENT absent, it verifies).
        assert current is not None
        assert _counter(current.id) == 1
        assert before.recovery.current_repaired is not None
    elif iteration == 1:
        assert current is None
    else:
        assert current is not None
        assert current.id == published[-1]
    _check_after_crash(root, leftovers, published)


def test_kill_at_random_moments(tmp_path: Path, spawn: Spawn, leftovers: Leftovers) -> None:
    rng = random.Random(20261129)
    root = tmp_path / "store"
    ever_published: list[str] = []
    for _ in range(RANDOM_TRIALS):
        published = _run_until_killed(spawn, root, "none", 0, kill_after=rng.randrange(1, 45))
        ever_published += published
        store = _check_after_crash(root, leftovers, ever_published)
        current = store.current()
        assert current is not None
        ever_published.append(current.id)
        assert len(store.list()) <= 3  # retention=2 plus possibly an older active one
