"""No regression at 1×: today's engine against the engine before segments, in the same run.

The engine before segments is the tree of ``BEFORE`` (the last commit whose index was one BM25 index
rebuilt whole), exported with ``git archive`` into the run's scratch folder and byte-compiled. It runs
in this interpreter and environment with its sources first on ``PYTHONPATH``; the figures refuse a
run in which that environment (or today's) imports another ``docmind`` package than the one meant.
Both engines run keyword-only (``DOCMIND_EMBED=off``):

- cold ingest of the 1× corpus (``docmind ingest --json``, a fresh data dir each), ``ctx.rounds``
  rounds alternating which engine goes first; the figure is the ratio of the medians;
- the labelled questions (``questions.json``) whose documents are in the 1× corpus, asked of both
  engines' snapshots of ``main/real`` (``rank_probe``, one process per engine, BM25, k = 5): MRR@5
  of each, and how many questions got other files in another order.

Dense and hybrid search are not compared here: the engine before segments embedded with another
runtime, so its vectors would differ by rounding, and the hybrid fusion changed on purpose since
(``quality`` reports today's MRR per mode).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.ingest import RunFailedError
from tests.benchmarks.measure import REPO, bench_env, docmind_argv, median, run_measured
from tests.benchmarks.questions import answerable, load_questions
from tests.benchmarks.report import Figure

BEFORE = "5608baa067e6b95d3bd4b3c6b9715b070610862c"
"""The last commit before segments: its index is one BM25 index, rebuilt whole at every change."""
SOURCES = ("apps/docmind/src", "libs/jobs/src", "libs/snapshots/src")
COLD_TARGET = 1.05
"""Today's cold ingest at most 5% slower than before segments."""


def _export_before(ctx: Context) -> Path:
    """The sources of ``BEFORE`` in the scratch folder, byte-compiled (as ``make setup`` compiles ours)."""
    root = ctx.work / "before-segments"
    if not (root / "done").exists():
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", BEFORE, *SOURCES],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *(str(root / s) for s in SOURCES)], check=True
        )
        (root / "done").write_text("ok\n")
    return root


def _env(before: Path | None) -> dict[str, str]:
    env = bench_env()
    if before is not None:
        env["PYTHONPATH"] = os.pathsep.join(str(before / s) for s in SOURCES)
    return env


def _cold(ctx: Context, before: Path | None, name: str) -> float:
    data = ctx.fresh_dir(name)
    try:
        argv = docmind_argv("ingest", str(ctx.corpus.main), "--data-dir", str(data), "--json")
        run = run_measured(argv, log_dir=ctx.logs, name=name, env=_env(before))
        if run.returncode != 0:
            raise RunFailedError(f"{name} exited {run.returncode}: {run.stderr_tail[-600:]}")
        return run.seconds
    finally:
        ctx.discard(data)


def _imported(before: Path | None) -> str:
    """Where the ``docmind`` package comes from in a process of that engine's environment."""
    probe = [sys.executable, "-c", "import docmind; print(docmind.__file__)"]
    done = subprocess.run(probe, cwd=REPO, env=_env(before), capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _check_engine(imported: str, before: Path | None) -> None:
    """Refuse a run whose processes import another engine than the one asked for."""
    expected = str(before) if before is not None else str(REPO / "apps" / "docmind" / "src")
    if not imported.startswith(expected):
        raise RunFailedError(f"the engine imported is {imported or 'nothing'}, not the one under {expected}")


def _ranks(
    ctx: Context, before: Path | None, questions: list[tuple[str, str]], label: str
) -> dict[str, list[str]]:
    """Every question's ranked files from a keyword-only snapshot of ``main/real`` made by one engine."""
    data = ctx.fresh_dir(f"regression-{label}-quality")
    try:
        argv = docmind_argv("ingest", str(ctx.corpus.main / "real"), "--data-dir", str(data), "--json")
        done = subprocess.run(argv, cwd=REPO, env=_env(before), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RunFailedError(f"{label} ingest exited {done.returncode}: {done.stderr[-600:]}")
        probe = [sys.executable, "-m", "tests.benchmarks.rank_probe", str(data), "bm25"]
        asked = subprocess.run(
            probe,
            cwd=REPO,
            env=_env(before),
            input=json.dumps(questions),
            capture_output=True,
            text=True,
            check=False,
        )
        if asked.returncode != 0:
            raise RunFailedError(f"{label} rank probe exited {asked.returncode}: {asked.stderr[-600:]}")
        answer = json.loads(asked.stdout.strip().splitlines()[-1])
        _check_engine(answer["engine"], before)
        return answer["files"]
    finally:
        ctx.discard(data)


def regression_figures(ctx: Context) -> list[Figure]:
    """Cold ingest and BM25 MRR@5 at 1×: today / before segments (see the module docstring)."""
    before = _export_before(ctx)
    for engine in (before, None):
        _check_engine(_imported(engine), engine)
    times: dict[str, list[float]] = {"before": [], "today": []}
    for number in range(ctx.rounds):
        order = ("before", "today") if number % 2 == 0 else ("today", "before")
        for who in order:
            ctx.quiet(f"regression cold {who} round {number}", max_wait=15)
            times[who].append(_cold(ctx, before if who == "before" else None, f"regression-r{number}-{who}"))
    labelled = answerable(load_questions(), ctx.corpus.main)
    asked = [(q.id, q.text) for q in labelled]
    ranks = {"before": _ranks(ctx, before, asked, "before"), "today": _ranks(ctx, None, asked, "today")}
    mrr = {who: _mrr(labelled, ranks[who]) for who in ranks}
    differing = sum(ranks["before"][q.id] != ranks["today"][q.id] for q in labelled)
    details: dict[str, Any] = {"cold": times, "mrr": mrr, "questions": len(labelled), "differing": differing}
    cold_before, cold_today = median(times["before"]), median(times["today"])
    return [
        Figure(
            "regression_cold",
            "Cold ingest at 1×, keyword-only: today / before segments",
            cold_today / cold_before,
            "×",
            "<=",
            COLD_TARGET,
            f"today {cold_today:.1f} s vs before {cold_before:.1f} s ({ctx.rounds} rounds, alternating)",
            details,
        ),
        Figure(
            "regression_bm25_mrr",
            "BM25 MRR@5 on the labelled questions: today − before segments",
            mrr["today"] - mrr["before"],
            "",
            ">=",
            0.0,
            f"today {mrr['today']:.3f} vs before {mrr['before']:.3f} over {len(labelled)} questions; "
            f"{differing} got other hits or another order",
            {},
        ),
    ]


def _mrr(questions: list[Any], ranked: dict[str, list[str]]) -> float:
    ranks = [q.first_rank(ranked[q.id]) for q in questions]
    return sum(1 / rank for rank in ranks if rank is not None) / len(questions)
