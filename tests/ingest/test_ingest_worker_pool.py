"""The worker pool: crashes are isolated, errors are reported, cancel abandons work at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
from docmind.executors.local.forkserver import WORKER_NICENESS
from docmind.executors.local.pool import (
    IngestCancelled,
    WorkerCrashedError,
    WorkerPool,
    WorkerStartError,
    WorkerTaskError,
)
from docmind.executors.local.worker_server import fork_server, warm_worker_server, worker_server_running
from docmind.executors.task_context import TaskProgress
from docmind.ingest.parse.chunk_cache import ChunkCache, fingerprint
from docmind.ingest.parse.file_task import FileTask
from docmind.segments.file_status import FileStatus

from tests.reliability.reliability_support import LineReader
from tests.support import worker_tasks
from tests.support.corpus import make_text
from tests.support.fifo_gate import release
from tests.support.waits import wait_for_path

REPO = Path(__file__).resolve().parents[2]


def test_progress_notes_of_a_call_arrive_in_order_before_its_result() -> None:
    notes: list[TaskProgress] = []
    with WorkerPool(1, threading.Event()) as pool:
        pool.prepare(worker_tasks.count_with_notes, 2)  # a preparation's notes are not its result
        assert list(pool.process_files([])) == []
        assert pool.call(worker_tasks.count_with_notes, 3, notes.append) == 3
        assert pool.call(worker_tasks.echo, 4) == 4
    assert notes == [TaskProgress(1, 3), TaskProgress(2, 3), TaskProgress(3, 3)]


def test_a_crashed_worker_is_replaced() -> None:
    with WorkerPool(2, threading.Event()) as pool:
        assert pool.call(worker_tasks.echo, 7) == 7
        with pytest.raises(WorkerCrashedError, match="exit code 9"):
            pool.call(worker_tasks.crash, 9)
        assert pool.call(worker_tasks.echo, 8) == 8


def _kill_idle_worker(pid: int) -> None:
    """SIGKILL a worker that holds no task, as the OOM killer would, and wait until it is gone."""
    worker = psutil.Process(pid)
    worker.kill()
    worker.wait(timeout=60)


def test_a_worker_killed_while_idle_is_replaced_for_the_next_call() -> None:
    with WorkerPool(1, threading.Event()) as pool:
        pid = pool.call(worker_tasks.own_pid, None)
        _kill_idle_worker(pid)
        assert pool.worker_count == 1  # the pool cannot know yet: the next send finds out
        replacement = pool.call(worker_tasks.own_pid, None)
        assert replacement != pid and pool.worker_count == 1


def test_a_worker_killed_while_idle_is_replaced_for_the_next_file(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "notes.md", phrase="after the kill")
    task = FileTask(doc, doc.name, tmp_path / "cache", fingerprint(1024, 200), 1024, 200)
    with WorkerPool(1, threading.Event()) as pool:
        _kill_idle_worker(pool.call(worker_tasks.own_pid, None))
        [outcome] = list(pool.process_files([task]))
    assert (outcome.status, outcome.error) == (FileStatus.INDEXED, "")


def test_a_raising_task_reports_type_and_text() -> None:
    with WorkerPool(1, threading.Event()) as pool, pytest.raises(WorkerTaskError, match="OSError"):
        pool.call(worker_tasks.fail, "disk full")


def test_cancel_abandons_a_blocked_task_and_close_kills_its_worker(tmp_path: Path) -> None:
    cancel = threading.Event()
    pid_file = tmp_path / "pid"
    pool = WorkerPool(1, cancel)
    assert pool.call(worker_tasks.echo, 1) == 1  # the worker is up
    blocked = threading.Thread(target=_cancel_when_written, args=(pid_file, cancel), daemon=True)
    blocked.start()
    with pytest.raises(IngestCancelled):
        pool.call(worker_tasks.block_after_writing_pid, str(pid_file))
    pid = int(pid_file.read_text())
    pool.close()
    assert pool.worker_count == 0
    assert not _runs(pid), "close() returned while the abandoned worker still ran"


def test_a_cancel_asks_the_busy_task_to_stop_before_close_kills_its_worker(tmp_path: Path) -> None:
    cancel = threading.Event()
    pid_file = tmp_path / "pid"
    pool = WorkerPool(1, cancel)
    threading.Thread(target=_cancel_when_written, args=(pid_file, cancel), daemon=True).start()
    with pytest.raises(IngestCancelled):
        pool.call(worker_tasks.block_until_asked_to_stop, str(pid_file))
    # The task heard the stop request (between PDF pages a parser would return now) and still runs ...
    wait_for_path(tmp_path / "pid.stop-requested", 60)
    pid = int(pid_file.read_text())
    assert _runs(pid)
    pool.close()  # ... until close kills it.
    assert not _runs(pid), "close() returned while the asked worker still ran"


def _runs(pid: int) -> bool:
    """Whether process ``pid`` still runs (an exited worker the server has not reaped yet does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _cancel_when_written(path: Path, cancel: threading.Event) -> None:
    """Set ``cancel`` once the blocked task has written its pid (it is then surely running)."""
    stop = threading.Event()
    while not path.exists() or not path.read_text():
        stop.wait(0.01)
    cancel.set()


def test_a_worker_start_that_fails_after_a_cancel_is_a_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    with WorkerPool(1, threading.Event()) as warm:
        assert warm.call(worker_tasks.echo, 1) == 1  # the server runs: only the request below fails
    cancel = threading.Event()

    def send_fds(*args: object) -> int:  # the server died as the job was cancelled: the request finds no one
        cancel.set()
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(socket, "send_fds", send_fds)
    with WorkerPool(1, cancel) as pool, pytest.raises(IngestCancelled):
        pool.call(worker_tasks.echo, 2)


def test_a_worker_start_that_fails_without_a_cancel_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with WorkerPool(1, threading.Event()) as warm:
        assert warm.call(worker_tasks.echo, 1) == 1

    def send_fds(*args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(socket, "send_fds", send_fds)
    with (
        WorkerPool(1, threading.Event()) as pool,
        pytest.raises(WorkerStartError, match="could not start a worker: BrokenPipeError"),
    ):
        pool.call(worker_tasks.echo, 2)


def _with_repo(pythonpath: str | None) -> str:
    return os.pathsep.join(filter(None, [str(REPO), pythonpath]))


def test_cancel_is_honoured_while_the_forkserver_starts(tmp_path: Path) -> None:
    # A fresh process whose forkserver preload is held: its first worker start waits as long as we like.
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.pool_child"],
        cwd=REPO,
        env={
            **os.environ,
            "DOCMIND_TEST_GATE": str(gate),
            "PYTHONPATH": _with_repo(os.environ.get("PYTHONPATH")),
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    out, err = LineReader(child.stdout, "stdout"), LineReader(child.stderr, "stderr")

    def send(command: str) -> None:
        assert child.stdin is not None
        child.stdin.write(command + "\n")
        child.stdin.flush()

    try:
        send("start first")
        err.wait_for(lambda line: line == "PRELOAD HELD", 120)  # the first job waits for the forkserver
        send("cancel first")
        out.wait_for(lambda line: line == "first CANCELLED", 30)
        send("start second")  # a second job, started while the forkserver is still held ...
        send("cancel second")
        out.wait_for(lambda line: line == "second CANCELLED", 30)  # ... is not held up by the first's start
        assert release(gate), "the forkserver was no longer held: the cancels above proved nothing"
        send("quit")
        assert child.wait(60) == 0, err.text()
    finally:
        release(gate)
        if child.poll() is None:
            os.killpg(child.pid, 9)
            child.wait(10)
    for stream in (child.stdin, child.stdout, child.stderr):
        stream.close()


def test_the_forkserver_preload_leaves_one_thread() -> None:
    # A second thread alive at a fork can hold a lock the worker then inherits locked (a hang).
    code = (
        "import importlib, threading\n"
        "from docmind.executors.local.worker_server import preload_modules\n"
        "for name in preload_modules(with_index_libraries=True):\n"
        "    importlib.import_module(name)\n"
        "print(threading.active_count())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "1", out.stderr


def test_idle_workers_are_released_and_the_rest_keep_working(tmp_path: Path) -> None:
    settings = fingerprint(1024, 200)
    tasks = [
        FileTask(
            make_text(tmp_path / f"n{i}.md", seed=i), f"n{i}.md", tmp_path / "cache", settings, 1024, 200
        )
        for i in range(4)
    ]
    with WorkerPool(2, threading.Event()) as pool:
        outcomes = list(pool.process_files(tasks))
        assert {o.status for o in outcomes} == {"indexed"}
        assert pool.worker_count == 2
        pool.release_idle(keep=1)
        assert pool.worker_count == 1
        assert pool.call(worker_tasks.echo, 3) == 3


def _text_tasks(folder: Path, count: int) -> list[FileTask]:
    settings = fingerprint(1024, 200)
    return [
        FileTask(make_text(folder / f"n{i}.md", seed=i), f"n{i}.md", folder / "cache", settings, 1024, 200)
        for i in range(count)
    ]


def test_the_preparation_runs_in_the_worker_that_the_next_call_uses(tmp_path: Path) -> None:
    marker = tmp_path / "prepared"
    with WorkerPool(2, threading.Event()) as pool:
        pool.prepare(worker_tasks.note_pid_after_a_pause, str(marker))
        assert {o.status for o in pool.process_files(_text_tasks(tmp_path, 3))} == {"indexed"}
        pool.release_idle(keep=1)
        assert pool.worker_count == 1  # the preparing worker is the one kept
        assert pool.call(worker_tasks.own_pid, None) == int(marker.read_text())


def test_a_pool_below_its_size_starts_a_worker_for_the_preparation(tmp_path: Path) -> None:
    marker = tmp_path / "prepared"
    with WorkerPool(2, threading.Event()) as pool:
        pool.prepare(worker_tasks.note_pid_after_a_pause, str(marker))
        (outcome,) = pool.process_files(_text_tasks(tmp_path, 1))
        assert outcome.status == "indexed"
        assert pool.worker_count == 2  # one parsed the file while the other prepared
        assert pool.call(worker_tasks.own_pid, None) == int(marker.read_text())


def test_a_pool_that_parsed_nothing_starts_no_worker_for_the_preparation(tmp_path: Path) -> None:
    marker = tmp_path / "prepared"
    with WorkerPool(2, threading.Event()) as pool:
        pool.prepare(worker_tasks.note_pid_after_a_pause, str(marker))
        assert list(pool.process_files([])) == []
        assert pool.worker_count == 0  # a re-ingest that finds nothing changed starts no process
        assert pool.call(worker_tasks.echo, 5) == 5
        assert not marker.exists()  # the preparation was a head start only: nothing to overlap


def test_a_preparation_that_crashes_leaves_the_next_call_a_new_worker(tmp_path: Path) -> None:
    with WorkerPool(2, threading.Event()) as pool:
        pool.prepare(worker_tasks.crash, 3)
        assert {o.status for o in pool.process_files(_text_tasks(tmp_path, 3))} == {"indexed"}
        assert pool.call(worker_tasks.echo, 5) == 5


def test_a_worker_killed_inside_a_progress_bar_does_not_hang_the_next(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "notes.md", paragraphs=40)
    task = FileTask(doc, doc.name, tmp_path / "cache", fingerprint(1024, 200), 1024, 200)
    with WorkerPool(1, threading.Event()) as pool:
        with pytest.raises(WorkerCrashedError):
            pool.call(worker_tasks.die_holding_the_progress_lock, None)
        outcomes: list[object] = []
        done = threading.Event()

        def parse() -> None:
            outcomes.extend(pool.process_files([task]))
            done.set()

        threading.Thread(target=parse, daemon=True).start()
        assert done.wait(60), "the next worker hangs on a lock the dead one held"
    assert [getattr(o, "status", None) for o in outcomes] == ["indexed"]


def test_a_worker_killed_mid_cache_write_leaves_a_temp_file_no_entry_pattern_matches(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path / "cache", fingerprint(1024, 200))
    with WorkerPool(1, threading.Event()) as pool, pytest.raises(WorkerCrashedError):
        pool.call(worker_tasks.die_between_cache_write_and_rename, cache)
    left = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert len(left) == 1, left  # the temporary file the killed writer left ...
    assert list((tmp_path / "cache").rglob("*.json")) == []  # ... is not mistaken for an entry ...
    assert cache.get("ab" * 32) is None
    assert cache.sweep_temporary_files() == 1  # ... and the next ingestion sweeps it away
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []


def test_workers_run_at_a_lower_cpu_priority_than_the_job() -> None:
    with WorkerPool(1, threading.Event()) as pool:
        worker = pool.call(worker_tasks.own_pid, None)
        job = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, job + WORKER_NICENESS)


def test_the_preload_imports_at_the_job_priority_then_lowers_it() -> None:
    # Niced during its imports, the preload starves behind any busy process and the first file waits.
    # A fresh job process with the light preload; a probe before it records the priority of the server
    # as it imports tiktoken (the parse preload's heaviest import), and its workers report it.
    code = (
        "import os, threading\n"
        "from docmind.executors.local import worker_server\n"
        "from docmind.executors.local.pool import WorkerPool\n"
        "from tests.support import import_priority\n"
        "worker_server.FORKSERVER_PRELOAD = (import_priority.__name__, *worker_server.FORKSERVER_PRELOAD)\n"
        "worker_server.warm_worker_server(with_index_libraries=False).join()\n"
        "with WorkerPool(1, threading.Event()) as pool:\n"
        "    seen, now = pool.call(import_priority.report, 'tiktoken')\n"
        "print(os.getpriority(os.PRIO_PROCESS, 0), seen, now)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": _with_repo(os.environ.get("PYTHONPATH"))},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    base, while_importing, worker = map(int, out.stdout.split())
    assert while_importing == base
    assert worker == min(19, base + WORKER_NICENESS)


def test_the_worker_server_can_be_started_ahead_of_the_first_job() -> None:
    warm_worker_server().join(120)
    assert worker_server_running()
    server = fork_server().pid
    assert server is not None and psutil.Process(server).ppid() == os.getpid()
    with WorkerPool(1, threading.Event()) as pool:
        assert psutil.Process(pool.call(worker_tasks.own_pid, None)).ppid() == server
