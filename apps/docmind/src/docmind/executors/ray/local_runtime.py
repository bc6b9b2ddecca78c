"""Ending a local Ray runtime at once, when its process cannot wait for ``ray.shutdown``.

A runtime that ``ray.init`` starts on this machine is a tree of processes: the GCS, the raylet and
Ray's helpers are children of the process that called it, and the raylet starts its two agents and
the Ray workers. The children die with that process (their parent-death signal), but the raylet's
own children do not: killed mid-start, or left behind by a process that ends before ``ray.shutdown``
has finished, the agents go on importing and then wait a minute to report the raylet's death to a
cluster store that is gone (measured: alive and using CPU more than 70 s later).

`kill_local_runtime` ends the whole tree with SIGKILL, each parent before its children (a killed
raylet starts nothing more; its children, known by pid, die next). The runtime's processes are this
process's children that run from Ray's package (its executables and its scripts), and all their
descendants, read from ``/proc`` (Linux, where the parent-death signal exists; elsewhere nothing
is found). Nothing else of this process (its worker server, its resource tracker) is touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

_PROC = Path("/proc")


def kill_local_runtime() -> None:
    """SIGKILL every process of the Ray runtime this process started, and their descendants."""
    ray = sys.modules.get("ray")
    if ray is None or ray.__file__ is None or not _PROC.is_dir():
        return  # Ray never ran here
    package = str(Path(ray.__file__).parent)
    children = _children()
    roots = [pid for pid in children.get(os.getpid(), []) if package in _command_line(pid)]
    for pid in _tree(roots, children):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _children() -> dict[int, list[int]]:
    """Parent pid → child pids, from ``/proc/PID/stat`` (the parent is the 2nd field after the name)."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _tree(roots: list[int], children: dict[int, list[int]]) -> list[int]:
    """``roots`` and all their descendants, each after its parent."""
    ordered, pending = [], list(roots)
    while pending:
        pid = pending.pop(0)
        ordered.append(pid)
        pending.extend(children.get(pid, []))
    return ordered


def _command_line(pid: int) -> str:
    try:
        return (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
