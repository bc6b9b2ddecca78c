"""What Ray runs on this machine, read from the process table (Ray names a busy worker ``ray::TASK``)."""

from __future__ import annotations

from pathlib import Path


def running_ray_tasks(task: str) -> list[int]:
    """Process ids of Ray workers now running a task named ``task``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if title.startswith(f"ray::{task}"):
            found.append(int(entry.name))
    return found
