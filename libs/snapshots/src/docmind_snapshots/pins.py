"""Reader pins and delete intents: how readers and deleters agree without a lock.

A reader that opens snapshot S creates ``pins/S.<pid>.<token>.pin`` and then checks that S exists and has no
live delete intent; a deleter creates ``pins/S.<pid>.<token>.del`` and then checks for live pins. Each side
writes its own marker before reading the other's (Dekker's handshake on the directory), so at least one of
them sees the other: either the deleter backs off (`SnapshotInUseError`) or the reader does
(`SnapshotNotFoundError`) — never a reader inside a snapshot that is being removed.

A marker is live while its pid is alive (`psutil`); markers of dead processes are ignored and may be removed
by anyone. A recycled pid can make a dead marker look live, which only delays deletion (the safe direction).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from docmind_snapshots.durable import write_new_file
from docmind_snapshots.layout import Kind, Layout, PinName, parse_pin_name


def pid_alive(pid: int) -> bool:
    """Whether `pid` names a running (non-zombie) process."""
    if pid == os.getpid():
        return True
    import psutil  # here, not with the module: a reader that meets no other process's marker never needs it

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        # AccessDenied: it exists but belongs to someone else — treat as alive, the safe direction.
        return psutil.pid_exists(pid)


def create_marker(layout: Layout, snapshot_id: str, kind: Kind) -> Path:
    """Create a pin (``Kind.PIN``) or delete intent (``Kind.DELETE_INTENT``) for this process.

    The marker is not fsynced: it only has to survive as long as this process, and a crash ends that anyway.

    Raises:
        OSError: The marker could not be created.
    """
    path = layout.new_pin(snapshot_id, kind)
    write_new_file(path, b"", durable=False)
    return path


def remove_marker(path: Path) -> None:
    """Remove a marker created by `create_marker` (missing is fine)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _markers(layout: Layout) -> list[tuple[Path, PinName]]:
    try:
        paths = list(layout.pins.iterdir())
    except FileNotFoundError:
        return []
    found: list[tuple[Path, PinName]] = []
    for path in paths:
        parsed = parse_pin_name(path.name)
        if parsed is not None:
            found.append((path, parsed))
    return found


def live_pids(layout: Layout, snapshot_id: str, kind: Kind, *, ignore: Path | None = None) -> tuple[int, ...]:
    """Return the pids holding live markers of `kind` on `snapshot_id` (excluding the marker `ignore`)."""
    pids = {
        parsed.pid
        for path, parsed in _markers(layout)
        if parsed.snapshot_id == snapshot_id
        and parsed.kind is kind
        and path != ignore
        and pid_alive(parsed.pid)
    }
    return tuple(sorted(pids))


def pinned_ids(layout: Layout) -> set[str]:
    """Return the ids of every snapshot with a live reader pin."""
    return {
        parsed.snapshot_id
        for _, parsed in _markers(layout)
        if parsed.kind is Kind.PIN and pid_alive(parsed.pid)
    }


def remove_dead_markers(layout: Layout) -> list[str]:
    """Remove pins and delete intents of dead processes; return their store-relative paths."""
    removed: list[str] = []
    for path, parsed in _markers(layout):
        if not pid_alive(parsed.pid):
            remove_marker(path)
            removed.append(path.relative_to(layout.root).as_posix())
    return removed
