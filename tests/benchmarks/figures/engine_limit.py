"""How close DocMind runs to the machine: the first file's latency and the cold time against the limit.

- ``first_file``: seconds from spawning ``docmind ingest --only CORPUS --json`` (fresh data dir, so
  every file goes to a worker) to the first progress line that counts a finished file; the run is
  then cancelled with SIGINT. The time the job's first line came is reported beside it: the gap
  between the two is the worker server's start (its preload imports the splitter's libraries).
- ``limit``: the CPU-seconds of the unavoidable stages (extraction, splitting, BM25 terms) measured
  alone in one process (``tests.benchmarks.machine_limit``) divided by the cores, against a cold
  keyword-only ``docmind ingest`` of the same corpus, both in the same round; then the same for each
  format group alone (PDF, HTML, text), through hard links to its files (a small group's time is
  mostly the command's start, so the breakdown has no target of its own).
Both run keyword-only (``DOCMIND_EMBED=off``): embedding is its own figure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.ingest import RunFailedError, run_info
from tests.benchmarks.machine_limit import format_of
from tests.benchmarks.measure import REPO, bench_env, docmind_argv, median, run_measured
from tests.benchmarks.report import Figure

FIRST_FILE_TARGET_S = 1.0
LIMIT_TARGET = 1.5
KEYWORD_ONLY = {"DOCMIND_EMBED": "off"}


def _first_file_run(ctx: Context, name: str) -> dict[str, float]:
    """One cold CLI ingest, cancelled once a file is done; the stamps of its first lines."""
    data = ctx.fresh_dir("first-file-data")
    argv = docmind_argv("ingest", str(ctx.corpus.main), "--only", "--data-dir", str(data), "--json")
    stamps: dict[str, float] = {}
    try:
        with (ctx.logs / f"{name}.stderr").open("w") as stderr:
            started = time.monotonic()
            process = subprocess.Popen(
                argv,
                cwd=REPO,
                env=bench_env(**KEYWORD_ONLY),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            assert process.stdout is not None
            for line in process.stdout:
                if not line.startswith("{") or "first_file_s" in stamps:
                    continue
                event = json.loads(line)
                if event.get("event") != "progress":
                    continue
                stamps.setdefault("job_started_s", time.monotonic() - started)
                if event.get("counts", {}).get("files_done", 0) >= 1:
                    stamps["first_file_s"] = time.monotonic() - started
                    process.send_signal(signal.SIGINT)
            process.wait()
    finally:
        ctx.discard(data)
    if "first_file_s" not in stamps:
        raise RunFailedError(
            f"docmind ingest finished no file (exit {process.returncode}, see {name}.stderr)"
        )
    return {k: round(v, 3) for k, v in stamps.items()}


def first_file_figure(ctx: Context) -> Figure:
    """Seconds from ``docmind ingest`` starting to its first finished file (median of the rounds)."""
    runs = []
    for number in range(ctx.rounds):
        ctx.quiet(f"first file round {number + 1}", max_wait=15)
        runs.append(_first_file_run(ctx, f"r{number}-first-file"))
    first = median([r["first_file_s"] for r in runs])
    job = median([r["job_started_s"] for r in runs])
    return Figure(
        "first_file",
        "First file done after `docmind ingest` starts (CLI, cold worker server)",
        first,
        " s",
        "<=",
        FIRST_FILE_TARGET_S,
        f"first file done at {first:.2f} s; the job's first progress line at {job:.2f} s, so "
        f"{first - job:.2f} s went to starting the worker server and parsing that file",
        {"runs": runs},
    )


def _limit_run(ctx: Context, name: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tests.benchmarks.machine_limit", str(ctx.corpus.main)]
    result = run_measured(argv, log_dir=ctx.logs, name=name, env=bench_env(**KEYWORD_ONLY))
    if result.returncode != 0:
        raise RunFailedError(f"machine_limit exited {result.returncode}: {result.stderr_tail[-600:]}")
    return result.last_json("machine_limit")


def cold_cli_run(ctx: Context, name: str, *extra: str, corpus: Path | None = None) -> Any:
    """A cold keyword-only ``docmind ingest --only CORPUS --json EXTRA`` in a fresh data dir.

    ``corpus`` defaults to the 1x corpus. The result's ``extra`` holds the summary line.

    Raises:
        RunFailedError: the command exited non-zero.
    """
    data = ctx.fresh_dir("cold-cli-data")
    source = str(corpus or ctx.corpus.main)
    argv = docmind_argv("ingest", source, "--only", "--data-dir", str(data), "--json", *extra)
    try:
        result = run_measured(argv, log_dir=ctx.logs, name=name, env=bench_env(**KEYWORD_ONLY))
    finally:
        ctx.discard(data)
    if result.returncode != 0:
        raise RunFailedError(f"docmind ingest exited {result.returncode}: {result.stderr_tail[-600:]}")
    result.extra = result.last_json("summary")
    return result


def _format_corpus(ctx: Context, kind: str) -> tuple[Path, int, int]:
    """Hard links to the 1x corpus's files of one format group, in a scratch folder; files and bytes."""
    folder = ctx.fresh_dir(f"format-{kind}")
    files = [p for p in sorted(ctx.corpus.main.rglob("*")) if p.is_file() and format_of(p) == kind]
    for path in files:
        target = folder / path.relative_to(ctx.corpus.main)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    return folder, len(files), sum(p.stat().st_size for p in files)


def _by_format(ctx: Context, limits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per format group: a cold DocMind ingest of those files alone, and their share of the limit."""
    cores = os.cpu_count() or 1
    rows = []
    for kind in sorted(limits[0]["cpu_s_by_format"]):
        folder, count, size = _format_corpus(ctx, kind)
        try:
            walls = [
                cold_cli_run(ctx, f"r{n}-format-{kind}", corpus=folder).seconds for n in range(ctx.rounds)
            ]
        finally:
            ctx.discard(folder)
        limit = median([float(m["cpu_s_by_format"][kind]) for m in limits]) / cores
        rows.append(
            {"format": kind, "files": count, "bytes": size, "docmind_s": median(walls), "limit_s": limit}
        )
    return rows


def limit_figure(ctx: Context) -> Figure:
    """DocMind's cold wall time over the machine's limit (unavoidable CPU-seconds / cores)."""
    cores = os.cpu_count() or 1
    limits: list[dict[str, Any]] = []
    colds = []
    for number in range(ctx.rounds):
        ctx.quiet(f"limit round {number + 1}", max_wait=15)
        limits.append(_limit_run(ctx, f"r{number}-machine-limit"))
        colds.append(cold_cli_run(ctx, f"r{number}-limit-docmind-cold"))
    cpu = median([float(m["cpu_s"]) for m in limits])
    parse = median([float(m["parse_cpu_s"]) for m in limits])
    split = median([float(m["split_terms_cpu_s"]) for m in limits])
    limit = cpu / cores
    wall = median([r.seconds for r in colds])
    formats = _by_format(ctx, limits)
    breakdown = "; ".join(
        f"{f['format']} ({f['files']} files, {f['bytes'] / 1e6:.1f} MB) {f['docmind_s']:.2f} s vs "
        f"{f['limit_s']:.2f} s"
        for f in formats
    )
    return Figure(
        "machine_limit",
        "Cold ingest (keyword-only) / machine limit (unavoidable CPU-s ÷ cores)",
        wall / limit,
        "×",
        "<=",
        LIMIT_TARGET,
        f"DocMind cold {wall:.2f} s vs limit {limit:.2f} s = {cpu:.1f} CPU-s ÷ {cores} cores "
        f"(extraction {parse:.1f}, split + BM25 terms {split:.1f} CPU-s; "
        f"{limits[0]['files']} files, {limits[0]['chunks']} chunks). By format, each alone, DocMind vs "
        f"its limit: {breakdown}",
        {
            "cores": cores,
            "limit_runs": limits,
            "docmind_runs": [run_info(r) for r in colds],
            "by_format": formats,
        },
    )
