"""The fork server seen from the process table: a killed job process, group signals, a reused pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from docmind.executors.local.forkserver import ForkServer

from tests.reliability.reliability_support import LineReader
from tests.support import forkserver_tasks as tasks
from tests.support.fifo_gate import release
from tests.support.waits import wait_for_path

REPO = Path(__file__).resolve().parents[2]
LONG = 60.0
"""A bound for waits that end at once when all is well: only a broken product reaches it."""

# Holds a fork server's interpreter start-up, before any of our code runs, until the test releases it.
STARTUP_GATE = """\
import os, sys
from pathlib import Path
gate = os.environ.get("DOCMIND_TEST_STARTUP_GATE")
if gate and any("docmind.executors.local.server_main" in arg for arg in sys.orig_argv):
    Path(gate + ".held").write_text(str(os.getpid()))
    try:
        with open(gate, "rb") as reader:
            reader.read()
    except OSError:
        pass
"""


class Child:
    """A job's process running ``tests.support.forkserver_child``, in its own process group."""

    def __init__(self, mode: str, env: dict[str, str]) -> None:
        pythonpath = os.pathsep.join(filter(None, [env.pop("PREPEND_PATH", ""), str(REPO)]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.forkserver_child", mode],
            cwd=REPO,
            env={**os.environ, **env, "PYTHONPATH": pythonpath},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.out = LineReader(self.proc.stdout, "stdout")
        self.err = LineReader(self.proc.stderr, "stderr")

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def line(self, prefix: str) -> str:
        return self.out.wait_for(lambda line: line.startswith(prefix), LONG)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(LONG)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        child.close()


def gone(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Wait until every process has ended (a zombie counts as ended); return those still running."""
    _, alive = psutil.wait_procs(processes, timeout=LONG)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_killing_the_job_process_ends_the_server_and_its_workers(children: list[Child]) -> None:
    child = Child("orphan", {})
    children.append(child)
    pids = json.loads(child.line("{"))
    processes = [psutil.Process(pid) for pid in (pids["server"], *pids["workers"])]
    assert all(p.is_running() for p in processes)
    child.proc.send_signal(signal.SIGKILL)  # only the job's process: the server and workers are orphaned
    child.proc.wait(LONG)
    assert gone(processes) == []


def test_killing_the_job_process_ends_a_server_still_in_its_preload(
    children: list[Child], tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    child = Child("held", {"DOCMIND_TEST_GATE": str(gate)})
    children.append(child)
    server = psutil.Process(json.loads(child.line("{"))["server"])
    try:
        wait_for_path(tmp_path / "gate.held", LONG)
        child.proc.send_signal(signal.SIGKILL)
        child.proc.wait(LONG)
        assert gone([server]) == []  # it left in the middle of its imports, the gate still closed
    finally:
        release(gate)


def test_group_signals_during_the_start_and_during_work_reach_neither_server_nor_worker(
    children: list[Child], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(STARTUP_GATE)
    startup, work = tmp_path / "startup", tmp_path / "work"
    os.mkfifo(startup)
    os.mkfifo(work)
    child = Child("signals", {"PREPEND_PATH": str(site), "DOCMIND_TEST_STARTUP_GATE": str(startup)})
    children.append(child)
    try:
        server = psutil.Process(int(child.line("server ").split()[1]))
        wait_for_path(tmp_path / "startup.held", LONG)  # its interpreter starts, none of our code ran
        blocked = _signal_set(server.pid, "SigBlk")
        assert {signal.SIGINT, signal.SIGTERM} <= blocked, blocked
        for signum in (signal.SIGINT, signal.SIGTERM):
            os.killpg(child.proc.pid, signum)
            child.line(f"SIGNAL {signum}")  # the group got it; the server holds it pending
        assert release(startup), "the server was no longer starting: the signals above proved nothing"

        child.send(f"spawn {work}")
        worker = psutil.Process(int(child.line("worker ").split()[1]))
        wait_for_path(tmp_path / "work.held", LONG)  # the worker is busy with its task
        for signum in (signal.SIGINT, signal.SIGTERM):
            os.killpg(child.proc.pid, signum)
            child.line(f"SIGNAL {signum}")
        assert server.is_running() and worker.is_running()
        assert release(work)
        child.send("result")
        assert child.line("result ") == "result released"
        child.send("quit")
        assert child.proc.wait(LONG) == 0
    finally:
        release(startup)
        release(work)
    child.err.drain(LONG)
    errors = child.err.text()
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors, errors
    assert gone([server, worker]) == []


def _signal_set(pid: int, field: str) -> set[int]:
    """The signals of a ``/proc/PID/status`` mask field (``SigBlk``, ``SigIgn``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            mask = int(line.split()[1], 16)
            return {number for number in range(1, 65) if mask & (1 << (number - 1))}
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_kill_never_reaches_a_process_that_reused_the_workers_pid(tmp_path: Path) -> None:
    """Needs root (as this project's machines and CI run): it writes ``ns_last_pid`` to reuse a pid."""
    server = ForkServer(("tests.support.forkserver_tasks",))
    try:
        worker = server.spawn()
        worker.send(tasks.crash, 0)
        assert worker.join(LONG)  # exited and reaped by the server: its pid is free
        stranger = _process_with_pid(worker.pid)
        try:
            worker.kill()  # a kill by pid would land on the stranger now
            assert stranger.stdin is not None and stranger.stdout is not None
            stranger.stdin.write("still there?\n")
            stranger.stdin.flush()
            assert stranger.stdout.readline() == "alive\n"
        finally:
            stranger.kill()
            stranger.wait(LONG)
        worker.close()
    finally:
        server.stop()


def _process_with_pid(pid: int) -> subprocess.Popen[str]:
    """Start a process that answers "alive" to one line, with exactly ``pid`` (other processes fork too)."""
    for _ in range(200):
        Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
        candidate = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.readline(); print('alive', flush=True)"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if candidate.pid == pid:
            return candidate
        candidate.kill()
        candidate.wait(LONG)
    raise AssertionError(f"could not start a process with pid {pid}")
