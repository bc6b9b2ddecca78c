"""Helper process for the snapshot store tests (run as a script, never imported by pytest).

Usage: python snapshots_child.py MODE ROOT [ARGS...]; it talks to the parent over stdin/stdout lines.

Modes:
  hold ROOT OWNER            begin(); print "HOLDING <workspace name>"; block until stdin closes or is killed.
  race ROOT                  print "READY"; wait for "GO"; begin(); print "WON" or "BUSY <message>";
                             then wait for "RELEASE" and abort.
  pin ROOT SNAPSHOT_ID       open(id); print "PINNED"; block until stdin closes or is killed.
  crash ROOT TARGET ITER     commit snapshots forever (retention=2), printing "AT <checkpoint>" at every
                             checkpoint and "PUBLISHED <id>" after each commit; at checkpoint TARGET of
                             commit number ITER print "PAUSED" and block (the parent SIGKILLs it).
                             TARGET "none" never pauses. "commit.6.tmp" means the CURRENT temp file is
                             written but not yet renamed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from docmind_snapshots import SnapshotStore, WriterBusyError, fsops


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _block() -> None:
    sys.stdin.read()


def hold(root: Path, owner: str) -> None:
    ws = SnapshotStore(root).begin(owner)
    (ws.path / "partial.bin").write_bytes(b"x" * 1000)
    _say(f"HOLDING {ws.path.name}")
    _block()


def race(root: Path) -> None:
    store = SnapshotStore(root)
    _say("READY")
    assert sys.stdin.readline().strip() == "GO"
    try:
        ws = store.begin("racer")
    except WriterBusyError as exc:
        _say(f"BUSY {exc}")
        return
    _say("WON")
    assert sys.stdin.readline().strip() == "RELEASE"
    ws.abort()


def pin(root: Path, snapshot_id: str) -> None:
    with SnapshotStore(root).open(snapshot_id):
        _say("PINNED")
        _block()


def crash(root: Path, target: str, target_iteration: int) -> None:
    store = SnapshotStore(root, retention=2)
    iteration = 0
    last_step = ""

    def checkpoint(name: str) -> None:
        nonlocal last_step
        label = name
        if name == "atomic_write.before_replace":
            if last_step != "commit.6":
                return  # a writer.owner replace, not CURRENT
            label = "commit.6.tmp"
        elif name.startswith("commit."):
            last_step = name
        _say(f"AT {iteration} {label}")
        if label == target and iteration == target_iteration:
            _say("PAUSED")
            _block()

    fsops.checkpoint = checkpoint
    rng = random.Random(iteration)
    while True:
        iteration += 1
        last_step = ""
        with store.begin("crash child") as ws:
            for index in range(3):
                checkpoint(f"write.{index}")
                path = ws.path / f"d{index % 2}" / f"f{index}.bin"
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(rng.randbytes(rng.randrange(1, 64 * 1024)))
            info = ws.commit({"iteration": iteration})
        _say(f"PUBLISHED {info.id}")


def main(argv: list[str]) -> None:
    mode, root = argv[0], Path(argv[1])
    if mode == "hold":
        hold(root, argv[2])
    elif mode == "race":
        race(root)
    elif mode == "pin":
        pin(root, argv[2])
    elif mode == "crash":
        crash(root, argv[2], int(argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
