"""Shared machinery of the reliability suite: trial counts, the instrumented CLI child, process control.

Everything here waits on conditions (a line of output, a process exit, a file state) with a deadline; the
only deliberate pauses are the seeded random delays that choose *when* a fault strikes, never to wait for
something to happen.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

from tests.support.cli import docmind_env

SOAK = os.environ.get("DOCMIND_SOAK") == "1"
"""``make soak`` sets DOCMIND_SOAK=1: more trials, longer races."""

SEED = int(os.environ.get("DOCMIND_RELIABILITY_SEED", "20261129"))
"""Every random choice of the suite derives from this seed; failures print it so a run can be replayed."""

REPO = Path(__file__).resolve().parents[2]
CLI_CHILD = Path(__file__).with_name("cli_child.py")
HANG_LIMIT = 60.0
"""A signalled process with a running job that has not exited by then hangs (FR-041's own figure, 3 s,
is measured by the ``cancel_cli`` benchmark: a wall-clock bound here would fail on a busy machine)."""


def trials(normal: int, soak: int) -> int:
    """How many trials to run: ``normal`` in the normal suite, ``soak`` under DOCMIND_SOAK=1."""
    return soak if SOAK else normal


def seconds_setting(name: str, normal: float, soak: float) -> float:
    """A duration taken from the environment variable ``name``, else ``normal`` / ``soak``."""
    raw = os.environ.get(name)
    return float(raw) if raw else (soak if SOAK else normal)


def pick_crash_moment(delay: float) -> None:
    """Let the victim run ``delay`` more seconds before the fault is injected.

    This chooses *where* a crash lands (a seeded random moment after an observed phase); it never stands
    in for waiting on a condition.
    """
    if delay > 0:
        time.sleep(delay)


# -- the instrumented CLI child ---------------------------------------------------------------------------


def child_argv(*args: str) -> list[str]:
    """Argv of ``cli_child.py``: the real ``docmind`` entry point plus optional test instrumentation."""
    return [sys.executable, str(CLI_CHILD), *args]


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for a CLI child on ``data_dir`` (library dirs cleared, unbuffered output)."""
    env = docmind_env(data_dir, **extra)
    for name in ("RELIABILITY_PAUSE_AT", "RELIABILITY_MAXRSS_FILE"):
        if name not in extra:
            env.pop(name, None)
    return env


class LineReader:
    """Reads a pipe line by line on a daemon thread so the test can wait for a line with a deadline."""

    def __init__(self, stream: IO[str], name: str) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._pump, args=(stream,), name=f"reader-{name}", daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self._queue.put(line.rstrip("\n"))
        except (OSError, ValueError):
            pass
        finally:
            self._queue.put(None)

    def next(self, deadline: float) -> str | None:
        """The next line, None at end of stream; TimeoutError once ``deadline`` (monotonic) passes."""
        if self._closed:
            return None
        try:
            line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("no line before the deadline") from None
        if line is None:
            self._closed = True
            return None
        self.lines.append(line)
        return line

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, *, seen_ok: bool = False) -> str:
        """Return the first line from now on (or, with ``seen_ok``, already read) satisfying ``predicate``.

        Raises:
            AssertionError: the stream ended or the deadline passed first (with everything read so far).
        """
        if seen_ok:
            for line in self.lines:
                if predicate(line):
                    return line
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.next(deadline)
            except TimeoutError:
                raise AssertionError(
                    f"no matching line within {timeout}s; read so far:\n{self.text()}"
                ) from None
            if line is None:
                raise AssertionError(f"stream ended before a matching line; read:\n{self.text()}")
            if predicate(line):
                return line

    def drain(self, timeout: float) -> None:
        """Read until end of stream (the process exited) or the deadline."""
        deadline = time.monotonic() + timeout
        with contextlib.suppress(TimeoutError):
            while self.next(deadline) is not None:
                pass

    def text(self) -> str:
        """Everything read so far."""
        return "\n".join(self.lines[-200:])


def json_events(lines: list[str]) -> list[dict[str, Any]]:
    """The JSON objects among ``lines`` (other lines are ignored)."""
    events = []
    for line in lines:
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
    return events


@dataclass
class Child:
    """A CLI child in its own process group, its stdout and stderr read by `LineReader` threads."""

    proc: subprocess.Popen[str]
    out: LineReader
    err: LineReader
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        """The child's pid, which is also its process group id."""
        return self.proc.pid

    def release(self) -> None:
        """Let a child paused at a checkpoint continue (one line on its stdin)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def wait(self, timeout: float) -> int:
        """Wait for the exit code (and the end of both streams)."""
        code = self.proc.wait(timeout)
        self.out.drain(5)
        self.err.drain(5)
        return code


def start_child(data_dir: Path, *args: str, **env: str) -> Child:
    """Start ``cli_child.py ARGS`` (the real CLI) on ``data_dir`` in a new session (its own group)."""
    proc = subprocess.Popen(
        child_argv(*args),
        env=cli_env(data_dir, **env),
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    return Child(proc, LineReader(proc.stdout, "stdout"), LineReader(proc.stderr, "stderr"))


# -- process groups ---------------------------------------------------------------------------------------


def group_members(pgid: int) -> list[psutil.Process]:
    """Live processes of process group ``pgid`` (a group our test created with start_new_session)."""
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
    return members


def kill_group(pgid: int) -> None:
    """SIGKILL every process of a group our test started (by group id, never by name)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def wait_group_gone(pgid: int, timeout: float) -> list[psutil.Process]:
    """Wait until group ``pgid`` has no live member; return the stragglers left at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        members = group_members(pgid)
        if not members or time.monotonic() >= deadline:
            return members
        psutil.wait_procs(members, timeout=min(0.2, max(0.0, deadline - time.monotonic())))


def reap_group(child: Child, timeout: float = 10.0) -> None:
    """Make sure nothing of the child's group survives the test (kills stragglers, reaps the leader)."""
    if child.proc.poll() is None:
        kill_group(child.pid)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.proc.wait(timeout)
    if group_members(child.pid):
        kill_group(child.pid)
        wait_group_gone(child.pid, timeout)
    for stream in (child.proc.stdin, child.proc.stdout, child.proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.close()


@contextlib.contextmanager
def running_child(data_dir: Path, *args: str, **env: str) -> Iterator[Child]:
    """`start_child` as a context manager that always reaps the child's whole group."""
    child = start_child(data_dir, *args, **env)
    try:
        yield child
    finally:
        reap_group(child)


# -- the CLI in this process ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    """Exit code and output of one in-process CLI call."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The last JSON line of stdout."""
        return json_events(self.stdout.splitlines())[-1]


def cli(*argv: str) -> CliResult:
    """Run ``docmind ARGV`` through `docmind.cli.main.main` in this process (same code, no start-up cost).

    The pytest process keeps one warm forkserver, so in-process ingestions after the first are cheap.
    """
    from docmind.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return CliResult(code, out.getvalue(), err.getvalue())


def newest_job(data_dir: Path) -> dict[str, Any]:
    """The newest row of ``docmind jobs --json``."""
    result = cli("jobs", "--json", "--data-dir", str(data_dir))
    assert result.code == 0, result.stderr
    jobs = json.loads(result.stdout)
    assert jobs, "no job recorded"
    return jobs[0]
