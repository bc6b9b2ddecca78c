"""The Ray executor on this machine: its overhead against the local pool, its per-task costs, cancel.

A Ray head node with as many CPUs as the machine has cores is started once for the group
(``tests.benchmarks.ray_head``); its start is reported apart. Each round then runs a cold
keyword-only ``docmind ingest --only CORPUS`` with the local pool and with ``--ray-address`` on
that head (the order alternating), so the overhead is counted from a running Ray runtime, as in an
app that keeps its connection. The driver's CPU per file is the Ray run's own CPU time (its tree
holds only the CLI: Ray's workers belong to the head) over the files it ingested.
``tests.benchmarks.ray_probe`` measures the per-task costs from a separate driver. Cancel: an
in-process ``run_ingestion`` on Ray is cancelled once its first file is done and timed until it
raises (the driver has regained control), three times per round.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.ingest import RunFailedError, run_info
from tests.benchmarks.measure import RunResult, bench_env, docmind_argv, median, percentile, run_measured
from tests.benchmarks.ray_head import RayHead, ray_head
from tests.benchmarks.report import Figure
from tests.support.sockets import unused_port

OVERHEAD_TARGET = 1.3
CANCEL_TARGET_S = 1.0
CANCEL_TRIALS = 3


def _cold(ctx: Context, name: str, *extra: str) -> RunResult:
    data = ctx.fresh_dir("ray-bench-data")
    argv = docmind_argv("ingest", str(ctx.corpus.main), "--only", "--data-dir", str(data), "--json", *extra)
    try:
        result = run_measured(argv, log_dir=ctx.logs, name=name, env=bench_env())
    finally:
        ctx.discard(data)
    if result.returncode != 0:
        raise RunFailedError(f"{name} exited {result.returncode}: {result.stderr_tail[-600:]}")
    result.extra = result.last_json("summary")
    return result


def _probe(ctx: Context, head: RayHead) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tests.benchmarks.ray_probe", head.address]
    result = run_measured(argv, log_dir=ctx.logs, name="ray-probe", env=bench_env())
    if result.returncode != 0:
        raise RunFailedError(f"ray_probe exited {result.returncode}: {result.stderr_tail[-600:]}")
    return result.last_json("ray_probe")


def _cancel_trial(ctx: Context, address: str) -> float:
    """Seconds from the cancel (after the first finished file) until ``run_ingestion`` raised."""
    from docmind.ingest.corpus import Source
    from docmind.ingest.parallel import IngestCancelled
    from docmind.ingest.pipeline import run_ingestion
    from docmind.settings import Settings
    from docmind_snapshots import SnapshotStore

    data = ctx.fresh_dir("ray-cancel-data")
    cancel = threading.Event()
    cancelled_at: list[float] = []

    class FirstFileCancels:
        def report(self, phase: str, *, counts: dict[str, Any] | None = None, **_: Any) -> None:
            if (counts or {}).get("files_done", 0) >= 1 and not cancel.is_set():
                cancelled_at.append(time.perf_counter())
                cancel.set()

    settings = Settings(data_dir=data, executor="ray", ray_address=address, embed=False)
    try:
        run_ingestion(
            settings=settings,
            sources=[Source(ctx.corpus.main, "documents")],
            store=SnapshotStore(data / "index"),
            cache_root=data / "cache",
            reporter=FirstFileCancels(),
            cancel=cancel,
            owner="bench",
        )
    except IngestCancelled:
        return time.perf_counter() - cancelled_at[0]
    finally:
        ctx.discard(data)
    raise RunFailedError("the Ray ingestion finished before it could be cancelled")


def ray_figures(ctx: Context) -> list[Figure]:
    """The ``ray`` group: overhead vs the local pool, and cancel on Ray."""
    for name in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_AUTH_MODE"):  # this process drives Ray too
        os.environ[name] = bench_env()[name]
    from docmind.ingest import ray_runtime

    cores = os.cpu_count() or 1
    with ray_head(unused_port(), cores, ctx.logs / "ray-head.log") as head:
        probe = _probe(ctx, head)
        local: list[RunResult] = []
        on_ray: list[RunResult] = []
        for number in range(ctx.rounds):
            ctx.quiet(f"ray round {number + 1}", max_wait=15)
            order = ("local", "ray") if number % 2 == 0 else ("ray", "local")
            for who in order:
                if who == "local":
                    local.append(_cold(ctx, f"r{number}-ray-bench-local"))
                else:
                    on_ray.append(_cold(ctx, f"r{number}-ray-bench-ray", "--ray-address", head.address))
        ray_runtime.connect(head.address, cores)
        try:
            cancels = [_cancel_trial(ctx, head.address) for _ in range(ctx.rounds * CANCEL_TRIALS)]
        finally:
            ray_runtime.disconnect()
    return [_overhead_figure(head, probe, local, on_ray), _cancel_figure(cancels)]


def _overhead_figure(
    head: RayHead, probe: dict[str, Any], local: list[RunResult], on_ray: list[RunResult]
) -> Figure:
    local_s, ray_s = median([r.seconds for r in local]), median([r.seconds for r in on_ray])
    files = max(1, int(on_ray[0].extra.get("files_indexed", 0)))
    driver_ms = median([r.cpu_seconds for r in on_ray]) * 1000 / files
    return Figure(
        "ray_overhead",
        "Cold ingest on Ray (running local runtime) / local worker pool",
        ray_s / local_s,
        "×",
        "<=",
        OVERHEAD_TARGET,
        f"Ray {ray_s:.2f} s vs local {local_s:.2f} s; runtime start {head.start_s:.1f} s (apart), driver "
        f"connect {probe['connect_s']:.1f} s; per task: round trip {probe['task_round_trip_ms']} ms, "
        f"{probe['task_throughput_ms']} ms in bulk, object store {probe['transfer_ms_per_mib']} ms/MiB; "
        f"driver CPU {driver_ms:.0f} ms per file",
        {
            "runtime_start_s": round(head.start_s, 2),
            "probe": probe,
            "driver_cpu_ms_per_file": round(driver_ms, 1),
            "local_runs": [run_info(r) for r in local],
            "ray_runs": [run_info(r) for r in on_ray],
        },
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
        f"p95 {p95:.2f} s, median {median(cancels):.2f} s over {len(cancels)} trials",
        {"trials_s": [round(c, 3) for c in cancels]},
    )
