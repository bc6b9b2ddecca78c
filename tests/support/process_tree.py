"""Every process a command started, directly or not, seen while it ran: to check none outlives it.

The tree is read from the process table every few milliseconds while the command runs (a process's
children, recursively, from the roots given), and each process is remembered with its start time, so
a pid reused later by another program never counts as ours. On a shared machine a before/after diff
of the whole table would catch other programs' processes; descent from the command is exact.

Ray's two agents (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``, children of a raylet) are the
only processes allowed to outlive a command that started a Ray runtime, and only for about a minute
(docs/specs/scale-out.md): a raylet killed with its driver leaves them reporting its death to the
dead cluster store, with a 60 s timeout.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

RAY_AGENT_TITLES = ("ray::DashboardAgent", "ray::RuntimeEnvAgent")
RAY_AGENT_SCRIPTS = ("ray/dashboard/agent.py", "ray/_private/runtime_env/agent/main.py")
"""An agent's command line before it sets its title, and its title after."""


@dataclass(frozen=True)
class Seen:
    """One process seen in the tree: its pid, start time, command line and parent when first seen."""

    pid: int
    started: float
    argv: tuple[str, ...]
    parent: int

    @property
    def command(self) -> str:
        """The command line as one string, for messages."""
        return " ".join(self.argv)

    def alive(self) -> bool:
        """Whether this very process (not a later one with its pid) still runs."""
        try:
            process = psutil.Process(self.pid)
            return process.create_time() == self.started and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def is_ray_agent(self) -> bool:
        """Whether it is one of Ray's two agents: by its title, or by the script its interpreter runs
        before the title is set (the raylet's own command line names both scripts as arguments)."""
        argv = self.argv
        with contextlib.suppress(psutil.Error):
            argv = tuple(psutil.Process(self.pid).cmdline()) or argv
        if argv and argv[0].startswith(RAY_AGENT_TITLES):
            return True
        script = next((word for word in argv[1:] if not word.startswith("-")), "")
        return script.endswith(RAY_AGENT_SCRIPTS)


class ProcessTree:
    """Watches the descendants of its roots on a thread from `start` to `stop`.

    Descendants that already ran at `start` (a cluster's own processes, say) are not counted unless
    asked for.
    """

    def __init__(self, roots: Iterable[int], interval: float = 0.02) -> None:
        self._roots = list(roots)
        self._interval = interval
        self._seen: dict[tuple[int, float], Seen] = {}
        self._before: set[tuple[int, float]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="process-tree", daemon=True)

    def start(self) -> ProcessTree:
        """Take note of what runs already, then begin watching."""
        self._look()
        self._before = set(self._seen)
        self._thread.start()
        return self

    def add_root(self, pid: int) -> None:
        """Watch the descendants of ``pid`` too (and ``pid`` itself is not counted: it is the caller's)."""
        self._roots.append(pid)

    def stop(self, *, with_existing: bool = False) -> list[Seen]:
        """Stop watching (after one last look); return every process seen (``with_existing``: also those
        that ran at `start`)."""
        self._stop.set()
        self._thread.join(10)
        self._look()
        return [seen for key, seen in self._seen.items() if with_existing or key not in self._before]

    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            self._look()

    def _look(self) -> None:
        for root in self._roots:
            try:
                children = psutil.Process(root).children(recursive=True)
            except psutil.Error:
                continue
            for child in children:
                with contextlib.suppress(psutil.Error):
                    key = (child.pid, child.create_time())
                    if key not in self._seen:
                        self._seen[key] = Seen(child.pid, key[1], tuple(child.cmdline()), child.ppid())


def wait_gone(processes: Iterable[Seen], timeout: float) -> list[Seen]:
    """Wait until none of ``processes`` runs; return those still running at the deadline."""
    deadline = time.monotonic() + timeout
    left = [p for p in processes if p.alive()]
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [p for p in left if p.alive()]
    return left
