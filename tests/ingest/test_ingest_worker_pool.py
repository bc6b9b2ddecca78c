"""The worker pool: crashes are isolated, errors are reported, cancel abandons work at once."""

from __future__ import annotations

import threading
import time

import pytest
from docmind.ingest.parallel import IngestCancelled, WorkerCrashedError, WorkerPool, WorkerTaskError

from tests.support import worker_tasks


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
