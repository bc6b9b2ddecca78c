"""What Ray runs on this machine, read from the process table (Ray names a busy worker ``ray::TASK``)."""

from __future__ import annotations

from pathlib import Path


def running_ray_tasks(task: str) -> list[int]:
    """Process ids of Ray workers now running a task named ``task``."""
    return [pid for pid, _ in _ray_tasks(task)]


def ray_tasks_under(raylet: int, task: str) -> list[int]:
    """Process ids of the workers of the node whose raylet is ``raylet`` now running ``task``."""
    return [pid for pid, parent in _ray_tasks(task) if parent == raylet]


def _ray_tasks(task: str) -> list[tuple[int, int]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if title.startswith(f"ray::{task}"):
            parent = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
            found.append((int(entry.name), parent))
    return found
