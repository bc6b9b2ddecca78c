"""The worker pool: crashes are isolated, errors are reported, cancel abandons work at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from docmind.ingest.cache import fingerprint
from docmind.ingest.parallel import IngestCancelled, WorkerCrashedError, WorkerPool, WorkerTaskError
from docmind.ingest.worker import FileTask

from tests.support import worker_tasks
from tests.support.corpus import make_text


def test_a_crashed_worker_is_replaced() -> None:
    with WorkerPool(2, threading.Event()) as pool:
        assert pool.call(worker_tasks.echo, 7) == 7
        with pytest.raises(WorkerCrashedError, match="exit code 9"):
            pool.call(worker_tasks.crash, 9)
        assert pool.call(worker_tasks.echo, 8) == 8


def test_a_raising_task_reports_type_and_text() -> None:
    with WorkerPool(1, threading.Event()) as pool, pytest.raises(WorkerTaskError, match="OSError"):
        pool.call(worker_tasks.fail, "disk full")


def test_cancel_abandons_a_blocked_task_quickly() -> None:
    cancel = threading.Event()
    pool = WorkerPool(1, cancel)
    assert pool.call(worker_tasks.echo, 1) == 1  # the worker is up
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    with pytest.raises(IngestCancelled):
        pool.call(worker_tasks.block_forever, None)
    returned = time.monotonic()
    pool.close()
    closed = time.monotonic() - returned
    assert closed < 2.0  # generous: terminate + join of one process
    timer.join()


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
