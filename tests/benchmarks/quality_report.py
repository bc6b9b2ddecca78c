"""The retrieval-quality evaluation as data (``Evaluation``) and as the tables of ``results/quality.md``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.quality_eval import Score
from tests.benchmarks.questions import Question

MODE_TITLES = {
    "bm25": "BM25",
    "dense": "dense",
    "hybrid": "hybrid (convex, the default)",
    "rrf": "hybrid (RRF, k = 60)",
}


def _margin(scores: Mapping[str, Score]) -> float:
    return scores["hybrid"].mrr - max(scores["bm25"].mrr, scores["dense"].mrr)


@dataclass(frozen=True)
class FoldResult:
    """One fold: the dense weight tuned on the other folds and each mode's score on this one."""

    number: int
    weight: float
    scores: Mapping[str, Score]

    @property
    def margin(self) -> float:
        """Hybrid MRR@5 minus the better of BM25 and dense on this fold (the rule: ≥ 0)."""
        return _margin(self.scores)


@dataclass(frozen=True)
class Evaluation:
    """Every number of one quality run (the shipped weight on the whole set and groups; the folds)."""

    questions: list[Question]
    shipped_weight: float
    tuned_weight: float
    curve: Mapping[float, float]
    whole: Mapping[str, Score]
    groups: Mapping[str, Mapping[str, Score]]
    folds: list[FoldResult]
    missed_by_both: list[str]
    rescalings: Mapping[str, Mapping[str, float]]

    @property
    def whole_margin(self) -> float:
        """Hybrid MRR@5 minus the better of BM25 and dense on the whole set, with the shipped weight."""
        return _margin(self.whole)

    @property
    def out_of_fold_mrr(self) -> float:
        """Hybrid MRR@5 over all questions, each judged with the weight tuned without its fold."""
        total = sum(f.scores["hybrid"].mrr * f.scores["hybrid"].questions for f in self.folds)
        return total / sum(f.scores["hybrid"].questions for f in self.folds)

    def to_json(self) -> dict[str, Any]:
        """The figures' details: per mode, per group, per fold, the weight curve."""

        def plain(scores: Mapping[str, Score]) -> dict[str, Any]:
            return {
                m: {"mrr": round(s.mrr, 4), "found": s.found, "questions": s.questions}
                for m, s in scores.items()
            }

        return {
            "questions": len(self.questions),
            "shipped_dense_weight": self.shipped_weight,
            "tuned_dense_weight": self.tuned_weight,
            "whole": plain(self.whole),
            "groups": {name: plain(scores) for name, scores in self.groups.items()},
            "folds": [
                {"fold": f.number, "dense_weight": f.weight, "margin": round(f.margin, 4), **plain(f.scores)}
                for f in self.folds
            ],
            "out_of_fold_hybrid_mrr": round(self.out_of_fold_mrr, 4),
            "mrr_by_dense_weight": {str(w): round(m, 4) for w, m in self.curve.items()},
            "missed_by_every_mode": self.missed_by_both,
            "rescalings": {name: dict(values) for name, values in self.rescalings.items()},
        }


def _row(label: str, scores: Mapping[str, Score], extra: str = "") -> str:
    cells = [f"{s.mrr:.3f} ({s.found}/{s.questions})" for s in scores.values()]
    return f"| {label} | " + " | ".join(cells) + (f" | {extra}" if extra else "") + " |"


def write_tables(ev: Evaluation, path: Path, ingest_note: str, cli_times: Mapping[str, float]) -> Path:
    """Write the evaluation's tables (MRR@5 with the questions found in the top 5) to ``path``."""
    modes = list(ev.whole)
    head = "| | " + " | ".join(MODE_TITLES[m] for m in modes) + " |"
    rule = "|---" * (len(modes) + 1) + "|"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Retrieval quality",
        "",
        f"Run {stamp} · `python -m tests.benchmarks.run --only quality` · {len(ev.questions)} labelled "
        f"questions (`tests/benchmarks/questions.json`) · {ingest_note}.",
        "",
        "Each cell: MRR@5 (questions with a right document in the top 5 / questions). Hybrid is the default "
        f"convex fusion with the shipped dense weight {ev.shipped_weight:.2f}"
        f" (tuned on the whole set: {ev.tuned_weight:.2f}); RRF is the alternative (`DOCMIND_FUSION=rrf`).",
        "",
        "## Whole set and groups",
        "",
        head,
        rule,
        _row("all questions", ev.whole),
        *[_row(name, scores) for name, scores in ev.groups.items()],
        "",
        "## Cross-validation: 5 folds, stratified by kind of question",
        "",
        "Each fold is judged with the dense weight tuned on the other four (best MRR@5, the middle of the "
        "widest best plateau).",
        "",
        head[:-2] + " | weight | hybrid − max(BM25, dense) |",
        rule + "---|---|",
        *[_row(f"fold {f.number}", f.scores, f"{f.weight:.2f} | {f.margin:+.3f}") for f in ev.folds],
        "",
        "Out-of-fold hybrid MRR@5 (each question judged with a weight tuned without it): "
        f"{ev.out_of_fold_mrr:.3f}.",
        f"Whole set with the shipped weight: hybrid − max(BM25, dense) = {ev.whole_margin:+.3f}.",
        "",
        "## Rescalings compared in the convex fusion",
        "",
        "Each rescaling with its own weight: tuned on the whole set, and per fold on the other four.",
        "",
        "| rescaling | weight tuned on all | MRR@5 there | out-of-fold MRR@5 "
        "| worst fold: hybrid − max(BM25, dense) |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {r['tuned_weight']:.2f} | {r['whole_mrr']:.3f} | {r['out_of_fold_mrr']:.3f} | "
            f"{r['worst_fold_margin']:+.3f} |"
            for name, r in ev.rescalings.items()
        ],
        "",
        "## MRR@5 of the convex fusion by dense weight (whole set)",
        "",
        "| dense weight | " + " | ".join(f"{w:.2f}" for w in ev.curve) + " |",
        "|---" * (len(ev.curve) + 1) + "|",
        "| MRR@5 | " + " | ".join(f"{m:.3f}" for m in ev.curve.values()) + " |",
        "",
        f"Questions no mode found in its top 5: {', '.join(ev.missed_by_both) or 'none'}.",
        "",
        "CLI `docmind search -k 5 --json` wall time, median over a few questions (whole process, model load "
        "included): " + ", ".join(f"{mode} {seconds:.1f} s" for mode, seconds in cli_times.items()) + ".",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
