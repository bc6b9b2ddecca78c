"""``docmind search --mode bm25`` as a whole process on a small snapshot: wall time and peak RSS.

The snapshot: the first 20 notes of the bench corpus (Markdown, reST and text; about 100 chunks),
ingested keyword-only into a fresh data dir. Each round runs one search per query of ``QUERIES``,
each a new ``python -m docmind.cli.main search QUERY --mode bm25`` process, timed from spawn to exit;
its peak RSS and CPU seconds are the kernel's own account of that process (``wait4``: the high-water
mark, not a sample). One untimed search first warms the page cache. The figures are the medians over
every search of every round. What a search costs here is nearly all the start of the process: the
interpreter and the modules the command imports (the search itself takes milliseconds).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import REPO, bench_env, docmind_argv, median, mib
from tests.benchmarks.report import Figure

NOTES = 20
QUERIES = ("harbour lantern", "kernel module buffer", "quarterly ledger archive", "velvet summit signal")
TARGET_S = 0.6
"""Issue [embed-runtime]: the BM25 search itself ≤ 0.6 s on a small snapshot."""
RSS_TARGET_MIB = 80.0
"""A budget any model runtime, LlamaIndex or Streamlit would break (each alone is well over it)."""


def _small_snapshot(ctx: Context) -> Path:
    """A fresh keyword-only data dir holding the first ``NOTES`` notes of the bench corpus."""
    notes = sorted((ctx.corpus.main / "notes").iterdir())[:NOTES]
    if len(notes) < NOTES:
        raise RuntimeError(f"the bench corpus has {len(notes)} notes, not {NOTES}")
    data = ctx.fresh_dir("search-cli-data")
    argv = docmind_argv("ingest", *map(str, notes), "--only", "--data-dir", str(data), "--json")
    done = subprocess.run(argv, cwd=REPO, env=bench_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"docmind ingest exited {done.returncode}: {done.stderr[-400:]}")
    return data


def _one_search(data: Path, query: str, log: Path) -> dict[str, float]:
    """One ``docmind search --mode bm25`` process: wall seconds, peak RSS (bytes) and CPU seconds."""
    argv = docmind_argv("search", query, "--mode", "bm25", "--data-dir", str(data))
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=REPO, env=bench_env(), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, by wait4
    if proc.returncode != 0:
        raise RuntimeError(f"docmind search exited {proc.returncode}: {log.read_text()[-400:]}")
    if "[bm25]" not in log.read_text():
        raise RuntimeError(f"docmind search {query!r} found nothing: {log.read_text()[-400:]}")
    return {"seconds": seconds, "rss": usage.ru_maxrss * 1024, "cpu": usage.ru_utime + usage.ru_stime}


def search_cli_figures(ctx: Context) -> list[Figure]:
    """Wall time and peak RSS of ``docmind search --mode bm25`` on a small snapshot (medians)."""
    data = _small_snapshot(ctx)
    try:
        _one_search(data, QUERIES[0], ctx.logs / "search-cli-warm.log")
        runs: list[dict[str, Any]] = []
        for round_number in range(ctx.rounds):
            for number, query in enumerate(QUERIES):
                log = ctx.logs / f"search-cli-{round_number}-{number}.log"
                runs.append({"query": query, **_one_search(data, query, log)})
    finally:
        ctx.discard(data)
    seconds = median([r["seconds"] for r in runs])
    rss = median([r["rss"] for r in runs])
    cpu = median([r["cpu"] for r in runs])
    details = {
        "notes": NOTES,
        "searches": len(runs),
        "seconds": [round(r["seconds"], 3) for r in runs],
        "cpu_seconds": [round(r["cpu"], 3) for r in runs],
        "peak_rss_mib": [mib(r["rss"]) for r in runs],
    }
    return [
        Figure(
            "search_cli_time",
            "`docmind search --mode bm25` as a whole process, small snapshot (median)",
            seconds,
            " s",
            "<=",
            TARGET_S,
            f"{seconds:.3f} s wall, {cpu:.3f} CPU-s, over {len(runs)} searches of {NOTES} notes",
            details,
        ),
        Figure(
            "search_cli_rss",
            "Peak RSS of `docmind search --mode bm25`, small snapshot (median)",
            mib(rss),
            " MiB",
            "<=",
            RSS_TARGET_MIB,
            f"{mib(rss)} MiB (the process's high-water mark, from wait4)",
            {},
        ),
    ]
