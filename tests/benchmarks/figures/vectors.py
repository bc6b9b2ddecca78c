"""Vector store comparison: FAISS flat (two ways to open it) vs LanceDB without and with IVF_PQ.

For each size (10k and 100k random unit vectors, 384 dims) and store, one subprocess builds the
store (``vector_probe build``: build time with the write, size on disk), then ``ctx.rounds`` fresh
subprocesses each open it and run 200 top-10 queries (``vector_probe query``: open time, query
p95, memory the store added to the process). Every store runs in its own processes, so their
memory figures are comparable. Recall@10 of each store is measured against FAISS flat (exact
inner product). Random vectors are the worst case for IVF_PQ's recall (real embeddings cluster).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import RunResult, median, mib, percentile, run_measured
from tests.benchmarks.report import Figure
from tests.benchmarks.vector_probe import STORES

SIZES = (10_000, 100_000)
BUDGET_MS = 50.0  # query p95 an interactive search can afford at 100k vectors
TITLES = {
    "faiss_flat": "FAISS IndexFlatIP, IO_FLAG_MMAP",
    "faiss_flat_ifc": "FAISS IndexFlatIP, IO_FLAG_MMAP_IFC",
    "lancedb_flat": "LanceDB, no index",
    "lancedb_ivfpq": "LanceDB, IVF_PQ index",
}


class ProbeFailedError(RuntimeError):
    """A vector probe subprocess exited non-zero."""


def _probe(ctx: Context, name: str, *args: str) -> RunResult:
    argv = [sys.executable, "-m", "tests.benchmarks.vector_probe", *args]
    result = run_measured(argv, log_dir=ctx.logs, name=name, timeout=1200)
    if result.returncode != 0:
        raise ProbeFailedError(f"{name} exited {result.returncode}: {result.stderr_tail[-600:]}")
    result.extra = result.last_json(f"vectors_{args[0]}")
    return result


def _recall(found: Path, exact: Path) -> float:
    ours, truth = np.load(found), np.load(exact)
    overlaps = [
        len(set(a.tolist()) & set(b.tolist())) / truth.shape[1] for a, b in zip(ours, truth, strict=True)
    ]
    return float(np.mean(overlaps))


def _measure(ctx: Context, store: str, size: int, scratch: Path) -> dict[str, Any]:
    folder = scratch / f"{store}-{size}"
    built = _probe(ctx, f"vectors-build-{store}-{size}", "build", store, str(size), str(folder))
    queries = []
    for number in range(ctx.rounds):
        ids = scratch / f"{store}-{size}-r{number}.npy"
        queries.append(
            _probe(ctx, f"vectors-query-{store}-{size}-r{number}", "query", store, str(folder), str(ids))
        )
    ctx.discard(folder)
    p95s = [percentile(q.extra["query_ms"], 95) for q in queries]
    return {
        "build_s": round(built.extra["build_s"], 3),
        "build_wall_s": round(built.seconds, 2),
        "build_peak_rss_mib": mib(built.peak_rss),
        "index_s": round(built.extra.get("index_s", 0.0), 2),
        "partitions": built.extra.get("partitions"),
        "disk_mib": mib(built.extra["disk_bytes"]),
        "open_ms": round(median([q.extra["open_s"] for q in queries]) * 1000, 2),
        "first_query_ms": round(median([q.extra["query_ms"][0] for q in queries]), 2),
        "p50_ms": round(median([percentile(q.extra["query_ms"], 50) for q in queries]), 2),
        "p95_ms": round(median(p95s), 2),
        "p95_runs_ms": [round(p, 2) for p in p95s],
        "rss_delta_mib": mib(median([q.extra["rss_delta"] for q in queries])),
        "pss_delta_mib": mib(median([q.extra["pss_delta"] for q in queries])),
        "anonymous_delta_mib": mib(median([q.extra["anonymous_delta"] for q in queries])),
        "query_process_peak_pss_mib": mib(median([q.peak_pss for q in queries])),
        "background_load": round(max(r.background_load for r in [built, *queries]), 3),
        "ids": str(scratch / f"{store}-{size}-r0.npy"),
    }


def _line(size: int, m: dict[str, Any]) -> str:
    recall = f", recall@10 {m['recall_at_10']:.2f}" if "recall_at_10" in m else ""
    index = f" (index {m['index_s']:.1f} s, {m['partitions']} partitions)" if m["partitions"] else ""
    return (
        f"{size // 1000}k: build {m['build_s']:.2f} s{index}, {m['disk_mib']} MiB on disk, "
        f"p95 {m['p95_ms']:.1f} ms (p50 {m['p50_ms']:.1f}, first {m['first_query_ms']:.1f}), "
        f"+{m['rss_delta_mib']} MiB RSS / +{m['anonymous_delta_mib']} MiB anon{recall}"
    )


def vector_figures(ctx: Context) -> list[Figure]:
    """Query p95 at 100k vectors for each store (≤ 50 ms), with build time, memory and size beside it."""
    scratch = ctx.fresh_dir("vectors")
    results: dict[str, dict[int, dict[str, Any]]] = {store: {} for store in STORES}
    try:
        for size in SIZES:
            for store in STORES:
                ctx.quiet(f"vectors {store} {size}", max_wait=15)
                results[store][size] = _measure(ctx, store, size, scratch)
                print(f"[vectors] {store} {size}: {results[store][size]}", flush=True)
            exact = results["faiss_flat"][size]["ids"]
            for store in STORES:
                results[store][size]["recall_at_10"] = round(
                    _recall(Path(results[store][size].pop("ids")), Path(exact)), 3
                )
    finally:
        ctx.discard(scratch)
    figures = []
    for store in STORES:
        largest = results[store][SIZES[-1]]
        figures.append(
            Figure(
                f"vectors_{store}",
                f"Vector query p95, {SIZES[-1] // 1000}k × 384 dims, top 10: {TITLES[store]}",
                largest["p95_ms"],
                " ms",
                "<=",
                BUDGET_MS,
                "; ".join(_line(size, results[store][size]) for size in SIZES),
                {str(size): results[store][size] for size in SIZES},
            )
        )
    return figures
