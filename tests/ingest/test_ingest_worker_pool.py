"""The worker pool: crashes are isolated, errors are reported, cancel abandons work at once."""

from __future__ import annotations

import multiprocessing.context
import os
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
from docmind.ingest.cache import ChunkCache, fingerprint
from docmind.ingest.file_status import FileStatus
from docmind.ingest.parallel import (
    IngestCancelled,
    WorkerCrashedError,
    WorkerPool,
    WorkerStartError,
    WorkerTaskError,
)
from docmind.ingest.task_progress import TaskProgress
from docmind.ingest.worker import FileTask
from docmind.ingest.worker_lifecycle import WORKER_NICENESS
from docmind.ingest.worker_server import warm_worker_server

from tests.reliability.reliability_support import LineReader
from tests.support import worker_tasks
from tests.support.corpus import make_text
from tests.support.fifo_gate import release

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
    assert not psutil.pid_exists(pid), "close() returned while the abandoned worker still ran"


def _cancel_when_written(path: Path, cancel: threading.Event) -> None:
    """Set ``cancel`` once the blocked task has written its pid (it is then surely running)."""
    stop = threading.Event()
    while not path.exists() or not path.read_text():
        stop.wait(0.01)
    cancel.set()


def test_a_worker_start_that_fails_after_a_cancel_is_a_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    with WorkerPool(1, threading.Event()) as warm:
        assert warm.call(worker_tasks.echo, 1) == 1  # the forkserver runs: only the start below fails
    cancel = threading.Event()

    def start(self: object) -> None:  # a signal to the whole group: the job is cancelled, the server gone
        cancel.set()
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(multiprocessing.context.ForkServerProcess, "start", start)
    with WorkerPool(1, cancel) as pool, pytest.raises(IngestCancelled):
        pool.call(worker_tasks.echo, 2)


def test_a_worker_start_that_fails_without_a_cancel_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def start(self: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(multiprocessing.context.ForkServerProcess, "start", start)
    with WorkerPool(1, threading.Event()) as pool, pytest.raises(WorkerStartError, match="ConnectionRefused"):
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
    code = "import threading, docmind.ingest.worker_preload; print(threading.active_count())"
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
    code = (
        "import os, sys\n"
        "seen = []\n"
        "def hook(event, args):\n"
        "    if event == 'import' and args[0] == 'tiktoken' and not seen:\n"
        "        seen.append(os.getpriority(os.PRIO_PROCESS, 0))\n"
        "sys.addaudithook(hook)\n"
        "base = os.getpriority(os.PRIO_PROCESS, 0)\n"
        "import docmind.ingest.worker_preload\n"
        "print(base, seen[0], os.getpriority(os.PRIO_PROCESS, 0))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    base, while_importing, after = map(int, out.stdout.split())
    assert while_importing == base
    assert after == min(19, base + WORKER_NICENESS)


def test_the_worker_server_can_be_started_ahead_of_the_first_job() -> None:
    import multiprocessing.forkserver

    warm_worker_server().join(120)
    server = multiprocessing.forkserver._forkserver._forkserver_pid  # pyright: ignore[reportAttributeAccessIssue]
    assert server is not None and psutil.Process(server).is_running()
    assert psutil.Process(server).ppid() == os.getpid()
