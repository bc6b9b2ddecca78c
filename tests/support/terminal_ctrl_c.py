"""Ctrl-C on ``uv run docmind ingest …``, sent the way a terminal sends it, and what it left behind.

The command runs through ``uv run`` (as the README has it) in a process group of its own, as a shell
runs a foreground job; at a chosen moment SIGINT goes to the whole group (``uv`` then forwards one
more to the command, as it does in a terminal). A `Trial` records the exit code, the time from the
signal to the exit (measured by waiting on the process, not by polling), both output streams, and
every process the command started, directly or not (``tests.support.process_tree``): those still
running `STRAGGLER_TIMEOUT` after the exit, and Ray's agents, which may outlive it for about a
minute (docs/specs/scale-out.md).

Moments are read from the command's ``--json`` events, so they fall in the same phase on a quiet
and on a loaded machine; `AFTER_1S` alone is chosen by the clock (the command still imports then,
and prints nothing).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.reliability_support import LineReader, json_events, pick_crash_moment
from tests.support.cli import docmind_env
from tests.support.process_tree import ProcessTree, Seen, wait_gone

REPO = Path(__file__).resolve().parents[2]
CANCELLED_LINE = "docmind: ingestion cancelled; nothing was published"
JOB_TIMEOUT = 600.0
"""Generous: a Ray runtime's start alone took 35 s with every core busy."""
STRAGGLER_TIMEOUT = 20.0
RAY_DID_NOT_START = "cannot connect to Ray at a local runtime"


@dataclass(frozen=True)
class Moment:
    """When the signal is sent: ``after_s`` seconds after the start, or at the first ``--json`` event
    that ``arrived`` accepts."""

    name: str
    arrived: Callable[[dict], bool] = lambda _: False
    after_s: float | None = None


def _phase(name: str, **counts: int) -> Callable[[dict], bool]:
    def arrived(event: dict) -> bool:
        got = event.get("counts", {})
        return event.get("phase") == name and all(got.get(k, 0) >= v for k, v in counts.items())

    return arrived


AFTER_1S = Moment("1 s after the start", after_s=1.0)
CONNECTING = Moment("connecting to Ray", lambda event: event.get("message") == "connecting to Ray")
PARSING = Moment("parsing on Ray", _phase("parse", files_done=1))
EMBEDDING = Moment("embedding on Ray", _phase("embed"))
INDEXING = Moment("building the index", _phase("index"))
PUBLISHING = Moment("publishing", _phase("publish"))


class RayDidNotStartError(Exception):
    """The job failed because Ray's runtime did not start (Ray's own timeouts, on a loaded machine)."""


@dataclass
class Trial:
    """What one Ctrl-C did."""

    moment: str
    code: int
    exit_s: float
    stdout: list[str]
    stderr: list[str]
    left: list[Seen] = field(default_factory=list)
    agents: list[Seen] = field(default_factory=list)

    @property
    def summaries(self) -> list[dict]:
        """The summary events on stdout (one when the job finished before the signal)."""
        return [event for event in json_events(self.stdout) if event.get("event") == "summary"]

    def report(self) -> str:
        """One line for a person reading the run."""
        return f"[ctrl-c] {self.moment}: exit {self.code} after {self.exit_s:.2f} s"


def uv() -> str:
    """The ``uv`` that runs this session (``uv run`` names itself in ``UV``), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv is needed: the README's command is `uv run docmind …` (run the tests with `uv run`)"
    return found


def ctrl_c(
    data: Path,
    docs: Path,
    moment: Moment,
    *flags: str,
    env: dict[str, str],
    existing: Sequence[int] = (),
    signum: int = signal.SIGINT,
) -> Trial:
    """Run ``uv run docmind ingest DOCS --only --json FLAGS`` on ``data``; Ctrl-C it at ``moment``.

    ``env`` is added to the environment; processes under the pids ``existing`` (a cluster's raylet)
    that start meanwhile count as the command's (its Ray workers on that cluster). ``signum``:
    SIGTERM to the group is what a service manager sends instead.

    Raises:
        RayDidNotStartError: the job failed before the moment because Ray's runtime did not start.
        AssertionError: the moment never came for another reason (the output is in the message).
    """
    argv = [uv(), "run", "--quiet", "docmind", "ingest", str(docs), "--only", "--json", *flags]
    tree = ProcessTree(existing).start()  # what runs under ``existing`` already is not the command's
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=REPO,
        env=docmind_env(data, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    tree.add_root(proc.pid)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = LineReader(proc.stdout, "stdout"), LineReader(proc.stderr, "stderr")
    try:
        _wait_for(moment, out, started)
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):  # the command had ended: the job finished first
            os.killpg(proc.pid, signum)
        code = proc.wait(JOB_TIMEOUT)
        exit_s = time.monotonic() - sent
        out.drain(10)
        err.drain(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        seen = tree.stop()
    agents = [process for process in seen if process.is_ray_agent()]
    left = wait_gone([process for process in seen if not process.is_ray_agent()], STRAGGLER_TIMEOUT)
    return Trial(moment.name, code, exit_s, out.lines, err.lines, left, agents)


def _wait_for(moment: Moment, out: LineReader, started: float) -> None:
    if moment.after_s is not None:
        pick_crash_moment(started + moment.after_s - time.monotonic())
        return

    def arrived(line: str) -> bool:
        events = json_events([line])
        return bool(events) and moment.arrived(events[0])

    try:
        out.wait_for(arrived, JOB_TIMEOUT, seen_ok=True)
    except AssertionError as exc:
        failed = [e for e in json_events(out.lines) if e.get("state") == "Failed"]
        if failed and failed[-1].get("message", "").startswith(RAY_DID_NOT_START):
            raise RayDidNotStartError(failed[-1]["message"]) from exc
        raise
