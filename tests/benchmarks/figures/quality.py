"""Retrieval quality: recall@5 and MRR@5 per mode, per kind of question, per kind of document, per fold.

The labelled documents of the 1x corpus (``main/real/``: 144 real manuals, licence texts, library
reference pages and specifications; the generated documents beside them are word soup nobody
searches, and would triple the embedding time) are ingested with embeddings on by
``docmind ingest --json`` into a data dir kept between runs (``.runs/quality-data``): a re-ingest
publishes only what changed and takes its vectors from the embedding cache, so the embedding is paid
once. Every labelled question of ``questions.json`` whose documents are there is then asked in this
process through ``docmind.search.retrieve``:

- ``bm25`` and ``dense`` with k = ``MIN_CANDIDATES``: the candidate lists a hybrid search of 5 hits
  fuses, judged on their top 5 (``quality_eval.Candidates``); every fusion and weight is computed
  from these same lists with the product's own ``fuse``;
- the default hybrid search (convex fusion, ``DENSE_WEIGHT``) and the ``rrf`` one, whose top 5 must
  equal the fusion recomputed from the lists (else the run fails: the evaluation would not be the
  product's).

A question counts as found when one of its target documents is among the 5 hits; its reciprocal
rank is 1 / the rank of the first such hit (0 when none). The dense weight is tuned by 5-fold
cross-validation, stratified by kind of question (seeded): each fold is judged with the weight
tuned on the other four, so no question helps choose the weight it is judged with. A few
questions are also asked through the CLI (``docmind search Q --mode M -k 5 --json``) for its wall
time, and its hits must equal the in-process ones. Quality does not depend on the machine's load;
the times do. The tables go to ``results/quality.md``.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docmind.search import retrieve
from docmind.search.engine import MIN_CANDIDATES
from docmind.search.fusion import DENSE_WEIGHT
from docmind_snapshots import SnapshotStore

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.embed import embed_env
from tests.benchmarks.figures.ingest import RunFailedError
from tests.benchmarks.measure import REPO, docmind_argv, median, run_measured
from tests.benchmarks.quality_eval import (
    RESCALINGS,
    TOP_K,
    Candidates,
    Rescale,
    Score,
    score,
    stratified_folds,
    tune_weight,
)
from tests.benchmarks.quality_report import Evaluation, FoldResult, write_tables
from tests.benchmarks.questions import Question, answerable, load_questions
from tests.benchmarks.report import RESULTS, Figure

MODES = ("bm25", "dense", "hybrid", "rrf")
FOLDS = 5
MRR_GAIN = 0.10
PARAPHRASES = "kind: paraphrase"
CLI_SAMPLE = 6
KEPT_DATA = Path(__file__).resolve().parents[1] / ".runs" / "quality-data"


def quality_figures(ctx: Context) -> list[Figure]:
    """The rule (hybrid ≥ the better retriever on every fold), hybrid vs BM25, convex vs RRF."""
    data, ingest_note = _data_dir(ctx)
    questions = answerable(load_questions(), ctx.corpus.main)
    if not questions:
        raise RunFailedError("none of the labelled documents is in this corpus")
    store = SnapshotStore(data / "index")
    candidates = {q.id: _candidates(store, q) for q in questions}
    cli_times = _cli_sample(data, questions, candidates)
    evaluation = _evaluate(questions, candidates, ctx.seed)
    tables = write_tables(evaluation, RESULTS / "quality.md", ingest_note, cli_times)
    return _figures(evaluation, cli_times, tables)


def _data_dir(ctx: Context) -> tuple[Path, str]:
    ctx.quiet("quality ingest", max_wait=15)
    KEPT_DATA.mkdir(parents=True, exist_ok=True)
    argv = docmind_argv("ingest", str(ctx.corpus.main / "real"), "--data-dir", str(KEPT_DATA), "--json")
    run = run_measured(argv, log_dir=ctx.logs, name="quality-ingest", env=embed_env(), timeout=7200)
    summary = run.last_json("summary")
    if run.returncode != 0 or not summary.get("snapshot_id"):
        raise RunFailedError(f"quality ingest exited {run.returncode}: {run.stderr_tail[-600:]}")
    what = "published a snapshot" if summary.get("changed") else "nothing changed"
    files = summary.get("files_total")
    return (
        KEPT_DATA,
        f"`main/real` ({files} files) ingested with embeddings into `.runs/{KEPT_DATA.name}`: "
        f"{what}, {run.seconds:.0f} s",
    )


def _scored(found: list[Any]) -> list[tuple[str, float, str]]:
    return [(json.loads(f.record["_node_content"])["id_"], f.score, str(f.record["file"])) for f in found]


def _candidates(store: SnapshotStore, question: Question) -> Candidates:
    lists = {
        mode: _scored(retrieve(store, question.text, k=MIN_CANDIDATES, mode=mode).found)
        for mode in ("bm25", "dense")
    }
    candidates = Candidates(lists)
    for fusion in ("convex", "rrf"):
        served = [str(f.record["file"]) for f in retrieve(store, question.text, k=TOP_K, fusion=fusion).found]
        if served != candidates.top_files("hybrid", fusion, DENSE_WEIGHT):
            raise RunFailedError(f"{question.id}: the {fusion} hybrid search differs from its recomputation")
    return candidates


def _cli_sample(data: Path, questions: list[Question], candidates: dict[str, Candidates]) -> dict[str, float]:
    """Median CLI wall time per mode over a few questions (one per kind first); hits must match."""
    by_kind = {q.kind: q for q in questions}
    sample = [*by_kind.values(), *[q for q in questions if q not in by_kind.values()]][:CLI_SAMPLE]
    times: dict[str, list[float]] = {"bm25": [], "dense": [], "hybrid": []}
    for question in sample:
        for mode in times:
            argv = docmind_argv("search", question.text, "--mode", mode, "-k", str(TOP_K), "--json")
            started = time.perf_counter()
            done = subprocess.run(
                [*argv, "--data-dir", str(data)],
                cwd=REPO,
                env=embed_env(),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            times[mode].append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RunFailedError(
                    f"docmind search --mode {mode} exited {done.returncode}: {done.stderr[-400:]}"
                )
            files = [str(hit["file"]) for hit in json.loads(done.stdout)]
            expected = candidates[question.id].top_files(mode, "convex", DENSE_WEIGHT)
            if files != expected:
                raise RunFailedError(
                    f"{question.id}: `docmind search --mode {mode}` differs from the library"
                )
    return {mode: round(median(values), 2) for mode, values in times.items()}


def _evaluate(questions: list[Question], candidates: dict[str, Candidates], seed: int) -> Evaluation:
    def judge(group: list[Question], weight: float) -> dict[str, Any]:
        return {
            "bm25": score(group, lambda q: candidates[q.id].top_files("bm25")),
            "dense": score(group, lambda q: candidates[q.id].top_files("dense")),
            "hybrid": score(group, lambda q: candidates[q.id].top_files("hybrid", "convex", weight)),
            "rrf": score(group, lambda q: candidates[q.id].top_files("hybrid", "rrf")),
        }

    folds = []
    folds_of = stratified_folds(questions, FOLDS, seed)
    for number, fold in enumerate(folds_of, start=1):
        rest = [q for q in questions if q not in fold]
        weight, _ = tune_weight(rest, candidates)
        folds.append(FoldResult(number, weight, judge(fold, weight)))
    tuned, curve = tune_weight(questions, candidates)
    groups = {
        **{
            f"kind: {kind}": [q for q in questions if q.kind == kind]
            for kind in sorted({q.kind for q in questions})
        },
        "keyword-shaped (all but paraphrase)": [q for q in questions if q.keyword_shaped],
        **{
            f"documents: {d}": [q for q in questions if q.documents == d]
            for d in sorted({q.documents for q in questions})
        },
    }
    rescalings = {
        name: _compare(questions, candidates, folds_of, rescale) for name, rescale in RESCALINGS.items()
    }
    missed = [
        q.id
        for q in questions
        if all(q.first_rank(candidates[q.id].top_files(m, "convex", DENSE_WEIGHT)) is None for m in MODES[:3])
    ]
    return Evaluation(
        questions=questions,
        shipped_weight=DENSE_WEIGHT,
        tuned_weight=tuned,
        curve=curve,
        whole=judge(questions, DENSE_WEIGHT),
        groups={name: judge(group, DENSE_WEIGHT) for name, group in groups.items()},
        folds=folds,
        missed_by_both=missed,
        rescalings=rescalings,
    )


def _compare(
    questions: list[Question],
    candidates: dict[str, Candidates],
    folds: list[list[Question]],
    rescale: Rescale,
) -> dict[str, float]:
    """One rescaling in the convex fusion: its tuned weight and MRR@5 on the whole set, and its folds."""

    def mrr(group: list[Question], top: Any) -> float:
        return score(group, top).mrr

    weight, curve = tune_weight(questions, candidates, rescale)
    margins, out_of_fold = [], 0.0
    for fold in folds:
        rest = [q for q in questions if q not in fold]
        fold_weight, _ = tune_weight(rest, candidates, rescale)
        hybrid = mrr(
            fold, lambda q, w=fold_weight: candidates[q.id].top_files("hybrid", "convex", w, rescale)
        )
        best_alone = max(mrr(fold, lambda q, m=m: candidates[q.id].top_files(m)) for m in ("bm25", "dense"))
        margins.append(hybrid - best_alone)
        out_of_fold += hybrid * len(fold)
    return {
        "tuned_weight": weight,
        "whole_mrr": curve[weight],
        "out_of_fold_mrr": out_of_fold / len(questions),
        "worst_fold_margin": min(margins),
    }


def _line(scores: Mapping[str, Score]) -> str:
    return "; ".join(
        f"{mode} MRR {scores[mode].mrr:.3f}, recall {scores[mode].found}/{scores[mode].questions}"
        for mode in MODES
    )


def _figures(ev: Evaluation, cli_times: dict[str, float], tables: Path) -> list[Figure]:
    whole = ev.whole
    margins = [fold.margin for fold in ev.folds] + [ev.whole_margin]
    para = ev.groups[PARAPHRASES]
    folds = ", ".join(f"{fold.margin:+.3f} (w {fold.weight:.2f})" for fold in ev.folds)
    times = ", ".join(f"{mode} {seconds:.1f} s" for mode, seconds in cli_times.items())
    where = f"tables in `tests/benchmarks/results/{tables.name}`"
    details = ev.to_json()
    return [
        Figure(
            "quality_rule",
            "MRR@5: hybrid − max(BM25, dense), worst of 5 folds (weight tuned on the other 4) and all",
            min(margins),
            "",
            ">=",
            0.0,
            f"{_line(whole)}; folds {folds}; whole set {ev.whole_margin:+.3f} (shipped dense weight "
            f"{ev.shipped_weight:.2f}, tuned on all {ev.tuned_weight:.2f}); {where}",
            details,
        ),
        Figure(
            "quality_mrr",
            f"MRR@5 on the {para['hybrid'].questions} paraphrased questions: hybrid − BM25",
            para["hybrid"].mrr - para["bm25"].mrr,
            "",
            ">=",
            MRR_GAIN,
            f"{_line(para)}; CLI search median {times}",
            {"questions": para["hybrid"].questions},
        ),
        Figure(
            "quality_recall",
            f"Recall@5 on the {para['hybrid'].questions} paraphrased questions: hybrid − BM25",
            para["hybrid"].recall - para["bm25"].recall,
            "",
            ">=",
            0.0,
            _line(para),
            {"questions": para["hybrid"].questions},
        ),
        Figure(
            "quality_fusion",
            "MRR@5: convex fusion (the default) − reciprocal-rank fusion, whole set",
            whole["hybrid"].mrr - whole["rrf"].mrr,
            "",
            ">=",
            0.0,
            f"convex {whole['hybrid'].mrr:.3f} vs RRF {whole['rrf'].mrr:.3f}; per fold "
            + ", ".join(f"{f.scores['hybrid'].mrr - f.scores['rrf'].mrr:+.3f}" for f in ev.folds),
            {"questions": len(ev.questions)},
        ),
    ]
