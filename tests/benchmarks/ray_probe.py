"""Ray's per-task costs on a running cluster, measured from a driver process; prints one JSON line.

Usage: ``python -m tests.benchmarks.ray_probe ADDRESS``. Measures: the driver's connect time,
the round trip of one empty task (median of 50, one at a time), the throughput of 500 empty tasks
submitted together, the object-store transfer of a 64 MiB argument (per MiB, beyond an empty task),
and ``ray.cancel(force=True)`` on a running task until the driver sees it cancelled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import statistics
import sys
import time

import ray
from ray.exceptions import TaskCancelledError, WorkerCrashedError

TRANSFER_MIB = 64


def _noop() -> None:
    return None


def _size(data: bytes) -> int:
    return len(data)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def main(address: str) -> None:
    """Measure and print ``{"event": "ray_probe", ...}``."""
    started = time.perf_counter()
    ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    connect_s = time.perf_counter() - started
    noop, size, sleep = ray.remote(_noop), ray.remote(_size), ray.remote(_sleep)
    ray.get([noop.remote() for _ in range(20)])  # workers started and warm
    trips = []
    for _ in range(50):
        began = time.perf_counter()
        ray.get(noop.remote())
        trips.append(time.perf_counter() - began)
    began = time.perf_counter()
    ray.get([noop.remote() for _ in range(500)])
    per_task = (time.perf_counter() - began) / 500
    payload = bytes(TRANSFER_MIB * 1024 * 1024)
    transfers = []
    for _ in range(3):
        began = time.perf_counter()
        ray.get(size.remote(payload))
        transfers.append(time.perf_counter() - began)
    task_s = statistics.median(trips)
    running = sleep.remote(30)
    time.sleep(1.5)
    began = time.perf_counter()
    ray.cancel(running, force=True)
    with contextlib.suppress(TaskCancelledError, WorkerCrashedError):
        ray.get(running)
    cancel_s = time.perf_counter() - began
    print(
        json.dumps(
            {
                "event": "ray_probe",
                "connect_s": round(connect_s, 3),
                "task_round_trip_ms": round(task_s * 1000, 2),
                "task_throughput_ms": round(per_task * 1000, 2),
                "transfer_ms_per_mib": round(
                    (statistics.median(transfers) - task_s) * 1000 / TRANSFER_MIB, 3
                ),
                "cancel_s": round(cancel_s, 3),
            }
        )
    )
    ray.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
