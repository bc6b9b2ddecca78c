"""Ingest figures through the real CLI: cold time and peak memory vs the baseline, and re-ingest.

Each round runs the baseline and a cold DocMind ingest of the same corpus (the order alternates
between rounds so drift hits both), then, on the DocMind data dir just built: a re-ingest with
nothing changed, a re-ingest after adding one file (``extra/added-report.pdf`` copied into the
managed documents folder), and a cold ingest of that one file alone in a fresh data dir.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import RunResult, docmind_argv, median, mib, run_measured
from tests.benchmarks.report import Figure


class RunFailedError(RuntimeError):
    """A measured command exited non-zero (its stderr tail is in the message)."""


def _check(result: RunResult, what: str) -> RunResult:
    if result.returncode != 0:
        raise RunFailedError(f"{what} exited {result.returncode}: {result.stderr_tail[-600:]}")
    return result


def baseline_input(ctx: Context) -> Path:
    """The 1x corpus through a symlink without a dot-folder in its path.

    ``SimpleDirectoryReader`` skips every file with a path part starting with ``.`` (the cache is
    ``tests/benchmarks/.corpus``); the link lets the baseline run with its defaults unchanged.
    """
    link = ctx.work / "corpus-main"
    if not link.exists():
        link.symlink_to(ctx.corpus.main, target_is_directory=True)
    return link


def run_baseline(ctx: Context, name: str) -> RunResult:
    """The baseline on the 1x corpus, persisted into a scratch folder that is removed afterwards."""
    source = baseline_input(ctx)
    persist = ctx.fresh_dir("baseline")
    try:
        argv = [
            sys.executable,
            "-m",
            "tests.benchmarks.baseline_ingest",
            str(source),
            str(persist / "bm25"),
        ]
        result = _check(run_measured(argv, log_dir=ctx.logs, name=name), "baseline")
    finally:
        ctx.discard(persist)
    result.extra = result.last_json("baseline")
    return result


def run_docmind(ctx: Context, data: Path, sources: tuple[Path, ...], name: str) -> RunResult:
    """``docmind ingest SOURCES --data-dir DATA --json``; ``extra`` holds the summary line."""
    argv = docmind_argv("ingest", *map(str, sources), "--data-dir", str(data), "--json")
    result = _check(run_measured(argv, log_dir=ctx.logs, name=name), "docmind ingest")
    result.extra = result.last_json("summary")
    if not result.extra.get("snapshot_id"):
        raise RunFailedError(f"docmind ingest published nothing: {result.stdout[-400:]}")
    return result


def _round(ctx: Context, number: int, want_cold: bool, want_reingest: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    order = ("baseline", "docmind") if number % 2 == 0 else ("docmind", "baseline")
    data = ctx.fresh_dir("docmind-data")
    try:
        for who in order:
            if who == "baseline" and want_cold:
                out["baseline"] = run_baseline(ctx, f"r{number}-baseline")
            elif who == "docmind":
                out["docmind"] = run_docmind(ctx, data, (ctx.corpus.main,), f"r{number}-docmind-cold")
        if want_reingest:
            out["noop"] = run_docmind(ctx, data, (ctx.corpus.main,), f"r{number}-docmind-noop")
            shutil.copy2(ctx.corpus.extra_file, data / "documents" / ctx.corpus.extra_file.name)
            out["add"] = run_docmind(ctx, data, (ctx.corpus.main,), f"r{number}-docmind-add-one")
            alone = ctx.fresh_dir("docmind-alone")
            try:
                (alone / "documents").mkdir()
                shutil.copy2(ctx.corpus.extra_file, alone / "documents" / ctx.corpus.extra_file.name)
                out["alone"] = run_docmind(ctx, alone, (), f"r{number}-docmind-one-file-cold")
            finally:
                ctx.discard(alone)
    finally:
        ctx.discard(data)
    return out


def run_info(result: RunResult) -> dict[str, Any]:
    """What the report keeps of one run."""
    return {
        "seconds": round(result.seconds, 3),
        "peak_rss_mib": mib(result.peak_rss),
        "peak_pss_mib": mib(result.peak_pss),
        "cpu_s": round(result.cpu_seconds, 2),
        "background_load": round(result.background_load, 3),
        "processes": result.max_processes,
        "output": result.extra,
    }


def _pss(runs: list[RunResult]) -> float:
    return median([r.peak_pss for r in runs])


def _cpu(runs: list[RunResult]) -> float:
    return median([r.cpu_seconds for r in runs])


def ingest_figures(ctx: Context, *, want_cold: bool = True, want_reingest: bool = True) -> list[Figure]:
    """Run ``ctx.rounds`` rounds and return the cold and/or re-ingest figures."""
    rounds = []
    for number in range(ctx.rounds):
        ctx.quiet(f"ingest round {number + 1}", max_wait=15)
        rounds.append(_round(ctx, number, want_cold, want_reingest))
        print(
            f"[ingest] round {number + 1}/{ctx.rounds}: "
            + ", ".join(f"{k} {v.seconds:.2f}s/{mib(v.peak_rss)}MiB" for k, v in rounds[-1].items()),
            flush=True,
        )
    runs: dict[str, list[RunResult]] = {
        k: [r[k] for r in rounds if k in r] for k in ("baseline", "docmind", "noop", "add", "alone")
    }
    dm, base = runs["docmind"], runs["baseline"]
    ctx.shared["docmind_1x"] = dm
    figures: list[Figure] = []
    dm_t, dm_rss = median([r.seconds for r in dm]), median([r.peak_rss for r in dm])
    per_run = [run_info(r) for r in dm]
    if want_cold:
        b_t, b_rss = median([r.seconds for r in base]), median([r.peak_rss for r in base])
        details = {
            "docmind_runs": per_run,
            "baseline_runs": [run_info(r) for r in base],
            "docmind_chunks": dm[0].extra.get("chunks"),
            "baseline_nodes": base[0].extra.get("nodes"),
            "docmind_max_processes": max(r.max_processes for r in dm),
        }
        figures.append(
            Figure(
                "cold_time",
                "Cold ingest time: baseline / DocMind (speed-up)",
                b_t / dm_t,
                "×",
                ">=",
                1.8,
                f"baseline {b_t:.2f} s vs DocMind CLI {dm_t:.2f} s (CPU {_cpu(base):.1f} vs {_cpu(dm):.1f} "
                f"CPU-s); chunks {details['docmind_chunks']} vs nodes {details['baseline_nodes']}",
                details,
            )
        )
        figures.append(
            Figure(
                "cold_pss",
                "Peak memory of cold ingest (summed PSS): DocMind / baseline",
                _pss(dm) / _pss(base),
                "×",
                "<=",
                0.6,
                f"DocMind {mib(_pss(dm))} MiB over ≤{details['docmind_max_processes']} processes (pages "
                f"shared by forked workers split between them) vs baseline {mib(_pss(base))} MiB; summed "
                f"RSS (shared pages counted once per process): {mib(dm_rss)} vs {mib(b_rss)} MiB",
                {
                    "docmind_peak_mib": mib(dm_rss),
                    "baseline_peak_mib": mib(b_rss),
                    "docmind_peak_pss_mib": mib(_pss(dm)),
                    "baseline_peak_pss_mib": mib(_pss(base)),
                },
            )
        )
    if want_reingest:
        noop_t, add_t, alone_t = (median([r.seconds for r in runs[k]]) for k in ("noop", "add", "alone"))
        figures.append(
            Figure(
                "reingest_noop",
                "Re-ingest, nothing changed: cold / re-ingest",
                dm_t / noop_t,
                "×",
                ">=",
                20,
                f"cold {dm_t:.2f} s vs re-ingest {noop_t:.2f} s (in-process "
                f"{median([r.extra.get('seconds', 0) for r in runs['noop']]):.2f} s)",
                {"noop_runs": [run_info(r) for r in runs["noop"]]},
            )
        )
        figures.append(
            Figure(
                "reingest_add",
                "Re-ingest after adding one file / cold ingest of that file alone",
                add_t / alone_t,
                "×",
                "<=",
                2.0,
                f"re-ingest +1 file {add_t:.2f} s vs that file alone {alone_t:.2f} s "
                f"({ctx.corpus.extra_file.stat().st_size / 1e6:.1f} MB, 40-page PDF)",
                {
                    "add_runs": [run_info(r) for r in runs["add"]],
                    "alone_runs": [run_info(r) for r in runs["alone"]],
                },
            )
        )
    return figures


def scale_figures(ctx: Context) -> list[Figure]:
    """Peak memory of a cold ingest of the 4x corpus vs the 1x corpus (streaming check)."""
    one: list[RunResult] = ctx.shared.get("docmind_1x") or []
    four: list[RunResult] = []
    for number in range(ctx.rounds):
        ctx.quiet(f"scale round {number + 1}", max_wait=15)
        if len(one) <= number:
            data = ctx.fresh_dir("docmind-1x")
            try:
                one.append(run_docmind(ctx, data, (ctx.corpus.main,), f"r{number}-docmind-1x"))
            finally:
                ctx.discard(data)
        data = ctx.fresh_dir("docmind-4x")
        try:
            four.append(run_docmind(ctx, data, ctx.corpus.x4_sources, f"r{number}-docmind-4x"))
        finally:
            ctx.discard(data)
        print(
            f"[scale] round {number + 1}/{ctx.rounds}: 4x {four[-1].seconds:.2f}s/"
            f"{mib(four[-1].peak_rss)}MiB",
            flush=True,
        )
    rss1, rss4 = median([r.peak_rss for r in one]), median([r.peak_rss for r in four])
    pss1, pss4 = median([r.peak_pss for r in one]), median([r.peak_pss for r in four])
    t1, t4 = median([r.seconds for r in one]), median([r.seconds for r in four])
    details = {
        "x1_peak_mib": mib(rss1),
        "x4_peak_mib": mib(rss4),
        "x1_peak_pss_mib": mib(pss1),
        "x4_peak_pss_mib": mib(pss4),
        "x1_seconds": round(t1, 2),
        "x4_seconds": round(t4, 2),
        "x4_runs": [run_info(r) for r in four],
        "x1_runs": [run_info(r) for r in one],
    }
    return [
        Figure(
            "scale_pss",
            "Peak memory (summed PSS) at 4× corpus / 1× corpus",
            pss4 / pss1,
            "×",
            "<=",
            1.5,
            f"4× {mib(pss4)} MiB vs 1× {mib(pss1)} MiB (summed RSS {mib(rss4)} vs {mib(rss1)} MiB; time 4× "
            f"{t4:.1f} s vs 1× {t1:.1f} s, {t4 / t1:.2f}×)",
            details,
        )
    ]
