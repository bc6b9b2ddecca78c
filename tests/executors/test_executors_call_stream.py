"""A stream of calls on the local pool: one worker, the next call already queued, results in order."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from docmind.executors.errors import IngestCancelled, WorkerCrashedError, WorkerTaskError
from docmind.executors.local.pool import WorkerPool

from tests.support import worker_tasks
from tests.support.waits import wait_for_path

LONG = 60.0


def test_the_next_call_waits_in_the_worker_so_it_never_waits_for_the_caller(tmp_path: Path) -> None:
    marks = [str(tmp_path / f"started-{number}") for number in range(4)]
    pulled: list[str] = []

    def arguments() -> Iterator[str]:
        for mark in marks:
            pulled.append(mark)
            yield mark

    with WorkerPool(2, threading.Event()) as pool:
        stream = pool.call_stream(worker_tasks.say_started, arguments(), per_worker=2)
        pids = [next(stream)]
        assert len(pulled) == 2  # lazily: one running, one waiting beside it
        for number in range(1, len(marks)):
            # The caller sits on the last result: the next call must run without it.
            wait_for_path(Path(marks[number]), LONG)
            pids.append(next(stream))
        assert next(stream, None) is None
        assert len(set(pids)) == 1 and pool.worker_count == 1


def test_a_stream_runs_in_the_worker_that_warmed_up_and_keeps_the_order(tmp_path: Path) -> None:
    with WorkerPool(2, threading.Event()) as pool:
        pool.warm_up(worker_tasks.note_pid_after_a_pause, str(tmp_path / "pid"))
        warmed = int((tmp_path / "pid").read_text())
        assert list(pool.call_stream(worker_tasks.echo, range(20))) == list(range(20))
        assert set(pool.call_stream(worker_tasks.own_pid, range(3))) == {warmed}


def test_a_call_that_raises_ends_the_stream_and_stops_the_worker_holding_the_next() -> None:
    with WorkerPool(1, threading.Event()) as pool:
        pid = pool.call(worker_tasks.own_pid, None)
        stream = pool.call_stream(worker_tasks.fail_on_two, [1, 2, 3, 4])
        assert next(stream) == 1
        with pytest.raises(WorkerTaskError, match=r"OSError: .*two"):
            next(stream)
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert list(pool.call_stream(worker_tasks.echo, [5, 6])) == [5, 6]  # a new worker


def test_a_worker_that_dies_mid_stream_fails_the_stream() -> None:
    with WorkerPool(1, threading.Event()) as pool:
        stream = pool.call_stream(worker_tasks.crash, [9, 9])
        with pytest.raises(WorkerCrashedError, match="exit code 9"):
            next(stream)
        assert list(pool.call_stream(worker_tasks.echo, [1])) == [1]


def test_a_cancel_mid_stream_stops_the_worker_at_once(tmp_path: Path) -> None:
    cancel = threading.Event()
    pid_file = tmp_path / "pid"
    with WorkerPool(1, cancel) as pool:
        stream = pool.call_stream(worker_tasks.block_after_writing_pid, [str(pid_file), str(pid_file)])
        canceller = threading.Thread(target=lambda: (wait_for_path(pid_file, LONG), cancel.set()))
        canceller.start()
        with pytest.raises(IngestCancelled):
            next(stream)
        canceller.join()
        # Killed by the stream as it ended, not by the pool's close (it may be reaped already).
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(int(pid_file.read_text())).wait(timeout=LONG)
        assert pool.worker_count == 0
