"""Retrieval quality: recall@5 and MRR@5 of bm25, dense and hybrid search on paraphrased questions.

The 1x corpus is ingested by ``docmind ingest --json`` with embeddings on (or the ``embed`` group's
last data dir is reused when it ran in the same invocation). Every labelled question of
``questions.json`` whose documents are in the corpus is asked through the CLI,
``docmind search QUESTION --mode M -k 5 --json``, once per mode. A question counts as found when
one of its target documents is among the 5 hits; its reciprocal rank is 1 / the rank of the first
such hit (0 when none). Quality does not depend on the machine's load; the search times beside it do.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.embed import embed_env, run_docmind_embed
from tests.benchmarks.figures.ingest import RunFailedError
from tests.benchmarks.measure import REPO, docmind_argv, median
from tests.benchmarks.questions import Question, answerable, load_questions
from tests.benchmarks.report import Figure

MODES = ("bm25", "dense", "hybrid")
TOP_K = 5
MRR_GAIN = 0.10


def ask(data: Path, question: str, mode: str) -> tuple[list[str], float]:
    """The files of the top hits for ``question`` in ``mode``, and the CLI's wall time."""
    argv = docmind_argv(
        "search", question, "--mode", mode, "-k", str(TOP_K), "--json", "--data-dir", str(data)
    )
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=REPO, env=embed_env(), capture_output=True, text=True, timeout=300, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RunFailedError(f"docmind search --mode {mode} exited {done.returncode}: {done.stderr[-400:]}")
    hits: list[dict[str, Any]] = json.loads(done.stdout)
    return [str(hit["file"]) for hit in hits], seconds


def score(questions: list[Question], ranks: dict[str, int | None]) -> dict[str, float]:
    """Recall@5 (share of questions with a target in the top 5) and MRR@5."""
    found = [ranks[q.id] for q in questions]
    return {
        "recall": sum(1 for r in found if r is not None) / len(found),
        "mrr": sum(1 / r for r in found if r is not None) / len(found),
        "found": sum(1 for r in found if r is not None),
    }


def quality_figures(ctx: Context) -> list[Figure]:
    """Hybrid MRR@5 gain over BM25 (≥ 0.10) and hybrid recall@5 gain over BM25 (≥ 0)."""
    data: Path | None = ctx.shared.get("embedded_data")
    ingest_note = "reused the embed group's last cold ingest"
    if data is None:
        ctx.quiet("quality ingest", max_wait=15)
        data = ctx.fresh_dir("docmind-quality")
        run = run_docmind_embed(ctx, data, "quality-ingest")
        ingest_note = f"cold ingest with embeddings {run.seconds:.0f} s"
    questions = answerable(load_questions(), ctx.corpus.main)
    if not questions:
        raise RunFailedError("none of the labelled documents is in this corpus")
    results: dict[str, dict[str, Any]] = {}
    for mode in MODES:
        ranks: dict[str, int | None] = {}
        times = []
        for question in questions:
            files, seconds = ask(data, question.text, mode)
            ranks[question.id] = question.first_rank(files)
            times.append(seconds)
        results[mode] = {
            **score(questions, ranks),
            "ranks": ranks,
            "search_s_median": round(median(times), 2),
        }
        print(f"[quality] {mode}: { ({k: v for k, v in results[mode].items() if k != 'ranks'}) }", flush=True)
    bm25, hybrid = results["bm25"], results["hybrid"]
    line = "; ".join(
        f"{mode} MRR {r['mrr']:.2f}, recall {r['recall']:.2f} ({r['found']}/{len(questions)})"
        for mode, r in results.items()
    )
    details = {
        "questions": len(questions),
        "ingest": ingest_note,
        **{
            mode: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
            for mode, r in results.items()
        },
    }
    medians = ", ".join(f"{mode} {r['search_s_median']:.1f} s" for mode, r in results.items())
    timing = f"; CLI search median {medians}"
    return [
        Figure(
            "quality_mrr",
            "MRR@5 on paraphrased questions: hybrid − BM25",
            hybrid["mrr"] - bm25["mrr"],
            "",
            ">=",
            MRR_GAIN,
            line + timing,
            details,
        ),
        Figure(
            "quality_recall",
            "Recall@5 on paraphrased questions: hybrid − BM25",
            hybrid["recall"] - bm25["recall"],
            "",
            ">=",
            0.0,
            line,
            {"questions": len(questions)},
        ),
    ]
