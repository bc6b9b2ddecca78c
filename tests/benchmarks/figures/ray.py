"""The Ray executor on this machine: its overhead against the local pool, its per-task costs, cancel.

A Ray head node with as many CPUs as the machine has cores is started once for the group
(``tests.benchmarks.ray_head``); its start is reported apart, so every figure counts from a
running Ray runtime. Two overheads, each a cold keyword-only ingest of the corpus (fresh data dir):
- as in the app (``ray_overhead``): ``run_ingestion`` in this process, with the local worker server
  warm and this process's Ray connection kept (its Ray workers started by a first, unmeasured job),
  against the same with the local pool; the driver's CPU per file is this process's CPU time during
  the Ray run over its files (scan, hashing, submitting, receiving, cache writes);
- as from the command line (``ray_overhead_cli``): ``docmind ingest --only CORPUS`` with the local
  pool and with ``--ray-address`` on the head; each command is a new Ray job, whose Ray workers
  start and import the parsers anew.
``tests.benchmarks.ray_probe`` measures the per-task costs from a separate driver. Cancel: an
in-process ``run_ingestion`` on Ray is cancelled once its first file is done and timed until it
raises (the driver has regained control), three times per round. Ctrl-C on the command
(``ray_ctrl_c``): ``figures/ray_ctrl_c.py``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.engine_limit import cold_cli_run
from tests.benchmarks.figures.ingest import RunFailedError, run_info
from tests.benchmarks.figures.ray_ctrl_c import ctrl_c_figure
from tests.benchmarks.measure import RunResult, bench_env, median, percentile, run_measured
from tests.benchmarks.ray_head import RayHead, ray_head
from tests.benchmarks.report import Figure
from tests.support.sockets import unused_port

OVERHEAD_TARGET = 1.3
CANCEL_TARGET_S = 1.0
CANCEL_TRIALS = 3


def _probe(ctx: Context, head: RayHead) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tests.benchmarks.ray_probe", head.address]
    result = run_measured(argv, log_dir=ctx.logs, name="ray-probe", env=bench_env())
    if result.returncode != 0:
        raise RunFailedError(f"ray_probe exited {result.returncode}: {result.stderr_tail[-600:]}")
    return result.last_json("ray_probe")


def _ingest(ctx: Context, data: Path, reporter: Any, cancel: threading.Event, **settings: Any) -> Any:
    from docmind.ingest.pipeline import run_ingestion
    from docmind.ingest.scan.corpus import Source
    from docmind.settings import Settings
    from docmind_snapshots import SnapshotStore

    return run_ingestion(
        settings=Settings(data_dir=data, embed=False, **settings),
        sources=[Source(ctx.corpus.main, "documents")],
        store=SnapshotStore(data / "index"),
        cache_root=data / "cache",
        reporter=reporter,
        cancel=cancel,
        owner="bench",
    )


class _Silent:
    def report(self, phase: str, **_: Any) -> None:
        """Drop the event."""


def _in_process(ctx: Context, **settings: Any) -> dict[str, float]:
    """One cold in-process ingest: wall seconds, this process's CPU seconds, files ingested."""
    data = ctx.fresh_dir("ray-bench-in-process")
    try:
        cpu, began = time.process_time(), time.perf_counter()
        summary = _ingest(ctx, data, _Silent(), threading.Event(), **settings)
        return {
            "seconds": round(time.perf_counter() - began, 3),
            "cpu_s": round(time.process_time() - cpu, 3),
            "files": summary.files_indexed,
        }
    finally:
        ctx.discard(data)


def _cancel_trial(ctx: Context, address: str) -> float:
    """Seconds from the cancel (after the first finished file) until ``run_ingestion`` raised."""
    from docmind.executors.errors import IngestCancelled

    data = ctx.fresh_dir("ray-cancel-data")
    cancel = threading.Event()
    cancelled_at: list[float] = []

    class FirstFileCancels:
        def report(self, phase: str, *, counts: dict[str, Any] | None = None, **_: Any) -> None:
            if (counts or {}).get("files_done", 0) >= 1 and not cancel.is_set():
                cancelled_at.append(time.perf_counter())
                cancel.set()

    try:
        _ingest(ctx, data, FirstFileCancels(), cancel, executor="ray", ray_address=address)
    except IngestCancelled:
        return time.perf_counter() - cancelled_at[0]
    finally:
        ctx.discard(data)
    raise RunFailedError("the Ray ingestion finished before it could be cancelled")


def ray_figures(ctx: Context) -> list[Figure]:
    """The ``ray`` group: overheads vs the local pool (app, CLI), per-task costs, cancel on Ray."""
    for name in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_AUTH_MODE", "RAY_ENABLE_UV_RUN_RUNTIME_ENV"):
        os.environ[name] = bench_env()[name]
    from docmind.executors.ray import runtime as ray_runtime

    cores = os.cpu_count() or 1
    with ray_head(unused_port(), cores, ctx.logs / "ray-head.log") as head:
        probe = _probe(ctx, head)
        ray_runtime.connect(head.address, cores)
        try:
            on_ray = {"executor": "ray", "ray_address": head.address}
            _in_process(ctx, **on_ray)  # this process's Ray workers start and import once, as in the app
            _in_process(ctx, executor="local")  # the local worker server, warm as in the app
            app_local: list[dict[str, float]] = []
            app_ray: list[dict[str, float]] = []
            cli_local: list[RunResult] = []
            cli_ray: list[RunResult] = []
            for number in range(
                ctx.rounds
            ):  # the app's rounds first: another job's workers evict its idle ones
                ctx.quiet(f"ray app round {number + 1}", max_wait=15)
                app_local.append(_in_process(ctx, executor="local"))
                app_ray.append(_in_process(ctx, **on_ray))
            for number in range(ctx.rounds):
                ctx.quiet(f"ray CLI round {number + 1}", max_wait=15)
                cli_ray.append(cold_cli_run(ctx, f"r{number}-ray-bench-ray", "--ray-address", head.address))
                cli_local.append(cold_cli_run(ctx, f"r{number}-ray-bench-local"))
            cancels = [_cancel_trial(ctx, head.address) for _ in range(ctx.rounds * CANCEL_TRIALS)]
        finally:
            ray_runtime.disconnect()
        ctrl_c = ctrl_c_figure(ctx, head)
    return [
        _app_figure(head, probe, app_local, app_ray),
        _cli_figure(cli_local, cli_ray),
        _cancel_figure(cancels),
        ctrl_c,
    ]


def _app_figure(
    head: RayHead, probe: dict[str, Any], local: list[dict[str, float]], on_ray: list[dict[str, float]]
) -> Figure:
    local_s, ray_s = median([r["seconds"] for r in local]), median([r["seconds"] for r in on_ray])
    driver_ms = median([r["cpu_s"] * 1000 / max(1, r["files"]) for r in on_ray])
    return Figure(
        "ray_overhead",
        "Cold ingest on Ray / local pool, as in the app (running runtime, connection kept)",
        ray_s / local_s,
        "×",
        "<=",
        OVERHEAD_TARGET,
        f"Ray {ray_s:.2f} s vs local {local_s:.2f} s; runtime start {head.start_s:.1f} s (apart), driver "
        f"connect {probe['connect_s']:.2f} s; per task: round trip {probe['task_round_trip_ms']} ms, "
        f"{probe['task_throughput_ms']} ms in bulk, object store {probe['transfer_ms_per_mib']} ms/MiB; "
        f"driver CPU {driver_ms:.1f} ms per file",
        {
            "runtime_start_s": round(head.start_s, 2),
            "probe": probe,
            "driver_cpu_ms_per_file": round(driver_ms, 2),
            "local_runs": local,
            "ray_runs": on_ray,
        },
    )


def _cli_figure(local: list[RunResult], on_ray: list[RunResult]) -> Figure:
    local_s, ray_s = median([r.seconds for r in local]), median([r.seconds for r in on_ray])
    return Figure(
        "ray_overhead_cli",
        "Cold `docmind ingest` on Ray (--ray-address, running runtime) / local pool",
        ray_s / local_s,
        "×",
        "<=",
        OVERHEAD_TARGET,
        f"Ray {ray_s:.2f} s vs local {local_s:.2f} s: each command is a new Ray job whose workers start "
        "and import the parsers anew",
        {"local_runs": [run_info(r) for r in local], "ray_runs": [run_info(r) for r in on_ray]},
    )


def _cancel_figure(cancels: list[float]) -> Figure:
    p95 = percentile(cancels, 95)
    return Figure(
        "ray_cancel",
        "Cancel on Ray → run_ingestion stopped (driver back in control), p95",
        p95,
        " s",
        "<=",
        CANCEL_TARGET_S,
        f"p95 {p95 * 1000:.0f} ms, median {median(cancels) * 1000:.0f} ms over {len(cancels)} trials",
        {"trials_s": [round(c, 3) for c in cancels]},
    )
