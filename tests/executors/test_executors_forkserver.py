"""The fork server and its workers, driven from this process: tasks, preload, stop, kill, abandon, restart."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import psutil
import pytest
from docmind.executors.local.forkserver import (
    WORKER_NICENESS,
    ForkServer,
    WorkerStartCancelledError,
    WorkerStartError,
)
from docmind.executors.local.worker_process import TaskFailedError, WorkerExitedError

from tests.support import forkserver_tasks as tasks
from tests.support.fifo_gate import release
from tests.support.waits import wait_for_path, wait_until

PRELOAD = ("tests.support.forkserver_preload", "tests.support.forkserver_tasks")
LONG = 60.0
"""A bound for waits that end at once when all is well: only a broken product reaches it."""


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    warm = ForkServer(PRELOAD)
    warm.start()
    yield warm
    warm.stop()


@pytest.fixture
def fresh() -> Iterator[list[ForkServer]]:
    """Servers a test starts itself (with its own preload or environment); stopped after the test."""
    made: list[ForkServer] = []
    yield made
    for made_server in made:
        made_server.stop()


def call(server: ForkServer, fn: Callable[[Any], Any], argument: Any) -> Any:
    worker = server.spawn()
    try:
        worker.send(fn, argument)
        return worker.receive()
    finally:
        worker.close()


def test_a_worker_runs_tasks_and_reports_errors_and_crashes(server: ForkServer) -> None:
    worker = server.spawn()
    worker.send(tasks.echo, {"n": 7})
    assert worker.receive() == {"n": 7}
    worker.send(tasks.fail, "disk full")
    with pytest.raises(TaskFailedError, match=r"OSError: \[Errno 28\] disk full"):
        worker.receive()
    worker.send(tasks.crash, 9)
    with pytest.raises(WorkerExitedError, match="exit code 9") as died:
        worker.receive()
    assert died.value.exitcode == 9
    worker.close()


def test_workers_share_the_preload_and_it_is_imported_once(
    fresh: list[ForkServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "imports"
    monkeypatch.setenv("DOCMIND_TEST_PRELOAD_LOG", str(log))
    server = ForkServer(PRELOAD)
    fresh.append(server)
    origins = [call(server, tasks.preload_origin, None) for _ in range(3)]
    # Each worker found the preload already loaded, by the server: a worker start is a fork, not imports.
    assert {(loaded, imported_in) for loaded, imported_in, _ in origins} == {(True, server.pid)}
    assert log.read_text().split() == [str(server.pid)]


def test_the_preload_runs_at_the_job_priority_and_workers_below_it(server: ForkServer) -> None:
    job = os.getpriority(os.PRIO_PROCESS, 0)
    _, _, while_importing = call(server, tasks.preload_origin, None)
    state = call(server, tasks.state, None)
    assert while_importing == job
    assert state["priority"] == min(19, job + WORKER_NICENESS)


def test_workers_are_forked_from_one_thread_out_of_a_frozen_heap(server: ForkServer) -> None:
    state = call(server, tasks.state, None)
    assert state["ppid"] == server.pid
    assert state["frozen"] > 0
    assert server.pid is not None and psutil.Process(server.pid).num_threads() == 1


def test_a_worker_keeps_only_its_task_channel(server: ForkServer) -> None:
    first = server.spawn()  # the server now holds this worker's pidfd and status pipe ...
    try:
        descriptors = call(server, tasks.open_fds, None)
    finally:
        first.close()
    # ... and the next worker inherits none of them, nor the control socket: beyond the standard streams,
    # one socket (its task channel).
    beyond_stdio = [d.split(" ", 1)[1] for d in descriptors if int(d.split(" ", 1)[0]) > 2]
    assert len(beyond_stdio) == 1 and beyond_stdio[0].startswith("socket:"), descriptors


def test_a_busy_worker_sees_a_stop_request_and_the_next_task_does_not(server: ForkServer) -> None:
    worker = server.spawn()
    worker.send(tasks.loop_until_stopped, None)
    worker.request_stop()
    assert worker.receive() >= 1
    worker.send(tasks.stopped_before_start, None)
    assert worker.receive() is False
    worker.close()


def test_tasks_sent_before_the_first_answers_run_in_order_even_when_larger_than_the_socket_buffers(
    server: ForkServer,
) -> None:
    worker = server.spawn()
    payloads = [bytes([number]) * (8 * 1024 * 1024) for number in range(3)]  # far beyond a socket's buffer
    sender = threading.Thread(target=lambda: [worker.send(tasks.echo, payload) for payload in payloads])
    sender.start()
    sender.join(LONG)  # nothing read yet: a worker that read only between tasks would block this send
    if sender.is_alive():
        worker.kill()
    assert not sender.is_alive(), "the worker did not take the next tasks while its reply waited"
    assert [worker.receive() for _ in payloads] == payloads
    worker.send(tasks.loop_until_stopped, None)
    worker.send(tasks.stopped_before_start, None)
    worker.request_stop()  # covers both tasks sent before it
    assert worker.receive() >= 1
    assert worker.receive() is True
    worker.close()


def test_kill_ends_a_busy_worker_and_its_sentinel_fires(server: ForkServer, tmp_path: Path) -> None:
    worker = server.spawn()
    pid_file = tmp_path / "pid"
    worker.send(tasks.write_pid_then_block, str(pid_file))
    wait_for_path(pid_file, LONG)
    assert worker.is_alive()
    worker.kill()
    assert wait([worker.sentinel], LONG) == [worker.sentinel]
    assert worker.join(LONG) and worker.exitcode == -9
    assert server.pid is not None
    assert worker.pid not in [child.pid for child in psutil.Process(server.pid).children()]  # reaped
    worker.close()


def test_closing_an_idle_worker_lets_it_exit_on_its_own(server: ForkServer) -> None:
    worker = server.spawn()
    worker.connection.close()
    assert worker.join(LONG)
    assert worker.exitcode == 0


def test_stopping_the_server_ends_its_workers_and_a_spawn_starts_a_new_one(
    fresh: list[ForkServer], tmp_path: Path
) -> None:
    server = ForkServer(PRELOAD)
    fresh.append(server)
    worker = server.spawn()
    worker.send(tasks.write_pid_then_block, str(tmp_path / "pid"))
    wait_for_path(tmp_path / "pid", LONG)
    first = server.pid
    server.stop()
    assert not server.running and server.pid is None
    assert wait([worker.sentinel], LONG) == [worker.sentinel]  # the busy worker died with its server
    worker.close()
    assert call(server, tasks.own_pid, None) != first
    assert server.running and server.pid != first


def test_a_spawn_after_the_server_died_starts_a_new_one(fresh: list[ForkServer]) -> None:
    server = ForkServer(PRELOAD)
    fresh.append(server)
    server.start()
    died = server.pid
    assert died is not None
    process = psutil.Process(died)
    process.kill()
    process.wait(LONG)
    assert not server.running
    assert call(server, tasks.echo, 3) == 3
    assert server.pid not in (None, died)


def test_a_server_that_cannot_start_is_named(
    fresh: list[ForkServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    server = ForkServer(PRELOAD)
    fresh.append(server)
    with pytest.raises(WorkerStartError, match="could not start the fork server: FileNotFoundError"):
        server.spawn()


def test_the_parents_main_is_never_imported(
    fresh: list[ForkServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What Streamlit does: the page script becomes sys.modules["__main__"]. Run anywhere else, it says so.
    marker = tmp_path / "page-script-ran"
    page = tmp_path / "page.py"
    page.write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text(__name__)\n"
        "raise SystemExit('the page script ran')\n"
    )
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)

    server = ForkServer(PRELOAD)
    fresh.append(server)
    state = call(server, tasks.state, None)
    assert state["main_file"] is None
    assert not marker.exists()

    # The same setup catches multiprocessing: its child re-runs the parent's main script.
    control = multiprocessing.get_context("spawn").Process(target=os.getpid)
    control.start()
    control.join(LONG)
    assert marker.read_text() == "__mp_main__"


def test_a_start_can_be_abandoned_while_the_server_preloads(
    fresh: list[ForkServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    monkeypatch.setenv("DOCMIND_TEST_GATE", str(gate))
    server = ForkServer((*PRELOAD, "tests.support.forkserver_gate"))
    fresh.append(server)
    outcomes: dict[str, BaseException | None] = {}
    cancels = {name: threading.Event() for name in ("first", "second")}

    def start(name: str) -> None:
        try:
            server.spawn(cancels[name])
        except BaseException as exc:
            outcomes[name] = exc
        else:
            outcomes[name] = None

    try:
        first = threading.Thread(target=start, args=("first",))
        first.start()
        wait_for_path(tmp_path / "gate.held", LONG)  # the server is in its preload: the spawn waits for it
        cancels["first"].set()
        first.join(LONG)
        second = threading.Thread(target=start, args=("second",))  # waits behind the first's request
        second.start()
        cancels["second"].set()
        second.join(LONG)
        assert isinstance(outcomes.get("first"), WorkerStartCancelledError), outcomes
        assert isinstance(outcomes.get("second"), WorkerStartCancelledError), outcomes
        assert release(gate), "the server was no longer held: the cancels above proved nothing"
    finally:
        release(gate)
    # The abandoned starts still complete in the background; the workers they yield are killed.
    assert server.pid is not None
    held = psutil.Process(server.pid)

    def settled() -> bool:
        starting = any(t.name == "docmind-worker-start" for t in threading.enumerate())
        return not starting and not held.children()

    wait_until(settled, LONG, "the abandoned starts to end and their workers to be killed")
    assert call(server, tasks.echo, 1) == 1
