"""Run the DocMind benchmarks and write ``results/latest.json`` and ``results/latest.md``.

Usage (from the repo root)::

    uv run python -m tests.benchmarks.run                 # everything, 3 rounds (about 15-25 min)
    uv run python -m tests.benchmarks.run --quick         # small corpus, 1 round: a smoke run
    uv run python -m tests.benchmarks.run --only cold,publish --rounds 5

Figure groups for ``--only``: cold, reingest, scale, cancel, cancel_cli, publish, ui_panel,
ui_browser, eta, first_file, limit, vectors, embed, embed_runtime, quality, ray, ray_embed, segments,
search_cli, vector_scale, regression. ``vectors`` compares vector stores and needs no engine; ``embed``,
``embed_runtime``, ``quality`` and ``ray_embed`` run DocMind with embeddings on, ``vector_scale``
with a synthetic embedding endpoint on loopback (every other group runs it keyword-only,
``DOCMIND_EMBED=off``); ``quality`` keeps its ingested data dir between runs.
A full run writes ``results/latest.*``; ``--quick`` or ``--only`` write ``results/partial.*``
(git-ignored) unless ``--out`` names the file; ``--only X --out latest`` re-measures the groups X
and merges them into ``latest.*`` (the meta says what was re-measured).
A figure that cannot be measured is reported as "not measured" with the error; the other
figures still run. The exit code is 0 whenever a report was written: targets are reported as
met / not met, never enforced.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import report
from tests.benchmarks.corpus import ensure_corpus, warm_page_cache
from tests.benchmarks.figures import Context
from tests.benchmarks.machine import machine, source_digest
from tests.benchmarks.measure import TreeSampler
from tests.benchmarks.report import Figure, failed_figure

RUNS = Path(__file__).resolve().parent / ".runs"
CONTENTION = 0.1  # background CPU share above which a figure is flagged as measured under contention
GROUPS = (
    "cold",
    "reingest",
    "scale",
    "cancel",
    "cancel_cli",
    "publish",
    "ui_panel",
    "ui_browser",
    "eta",
    "first_file",
    "limit",
    "vectors",
    "embed",
    "embed_runtime",
    "quality",
    "ray",
    "ray_embed",
    "segments",
    "search_cli",
    "vector_scale",
    "regression",
)
_HYBRID = "`docmind search --mode hybrid`"
_UPDATE = "One-file update (`docmind ingest`, one note added)"
# Placeholders used when a group fails before producing its figures: key, title, unit, op, threshold.
PLACEHOLDERS: dict[str, list[tuple[str, str, str, str, float]]] = {
    "cold": [
        ("cold_time", "Cold ingest time: baseline / DocMind (speed-up)", "×", ">=", 1.8),
        ("cold_pss", "Peak memory of cold ingest (summed PSS): DocMind / baseline", "×", "<=", 0.6),
    ],
    "reingest": [
        ("reingest_noop", "Re-ingest, nothing changed: cold / re-ingest", "×", ">=", 20),
        ("reingest_add", "Re-ingest after adding one file / cold ingest of that file alone", "×", "<=", 2),
    ],
    "scale": [("scale_pss", "Peak memory (summed PSS) at 4× corpus / 1× corpus", "×", "<=", 1.5)],
    "segments": [
        ("seg_add", "Re-ingest after adding one file: 20× / 1×", "×", "<=", 1.3),
        ("seg_add_vs_cold", "Cold ingest / re-ingest after adding one file, at 20×", "×", ">=", 50),
        ("seg_growth", "Index growth for one added file / (2 MB + 10× the file), at 20×", "×", "<=", 1.0),
        ("seg_noop", "Re-ingest with nothing changed: 20× / 1×", "×", "<=", 1.5),
        ("seg_snapshots", "`docmind snapshots`: 20× / 1×", "×", "<=", 1.3),
        ("seg_jobs", "`docmind jobs`: 20× / 1×", "×", "<=", 1.3),
        ("seg_search_time", "`docmind search --mode bm25` (whole process): 20× / 1×", "×", "<=", 1.5),
        ("seg_search_rss", "`docmind search --mode bm25` peak RSS: 20× / 1×", "×", "<=", 1.5),
        (
            "seg_retained",
            "Disk of the index after eight one-file changes (all kept) / one snapshot",
            "×",
            "<=",
            1.2,
        ),
        (
            "seg_job_rss",
            "Peak RSS of the `docmind ingest` process in a cold ingest: 20× / 1×",
            "×",
            "<=",
            1.5,
        ),
    ],
    "regression": [
        ("regression_cold", "Cold ingest at 1×, keyword-only: today / before segments", "×", "<=", 1.05),
        (
            "regression_bm25_mrr",
            "BM25 MRR@5 on the labelled questions: today − before segments",
            "",
            ">=",
            0.0,
        ),
    ],
    "search_cli": [
        (
            "search_cli_time",
            "`docmind search --mode bm25` as a whole process, small snapshot (median)",
            " s",
            "<=",
            0.6,
        ),
        (
            "search_cli_rss",
            "Peak RSS of `docmind search --mode bm25`, small snapshot (median)",
            " MiB",
            "<=",
            80,
        ),
    ],
    "vector_scale": [
        (key, f"{title}, synthetic endpoint", unit, "<=", target)
        for key, title, unit, target in (
            ("vscale_hybrid_100k", f"{_HYBRID} p95 (whole process), 100k windows", " s", 1.0),
            ("vscale_update_100k", f"{_UPDATE}, 100k windows", " s", 10.0),
            ("vscale_hybrid_1M", f"{_HYBRID} p95 (whole process), 1M windows", " s", 2.0),
            ("vscale_update_ratio", "One-file update: 1M / 100k windows", "×", 2.0),
        )
    ],
    "cancel": [("cancel_inprocess", "Cancel → run_ingestion stopped (in-process), p95", " s", "<=", 0.5)],
    "cancel_cli": [
        ("cancel_cli", "SIGINT → `docmind ingest` exited (CLI, kill -INT pid), p95", " s", "<=", 0.5),
        (
            "cancel_ctrl_c",
            "Ctrl-C → `docmind ingest` exited (CLI, SIGINT to the group), p95",
            " s",
            "<=",
            0.5,
        ),
    ],
    "publish": [
        ("publish", "Publish (Workspace.commit) at 10k chunks", " ms", "<=", 50),
        ("publish_flat", "Publish time 10k / 1k chunks (flat)", "×", "<=", 1.5),
    ],
    "ui_panel": [("ui_panel", "Job panel fragment server time, 2,000-file job (median)", " ms", "<=", 15)],
    "ui_browser": [
        (
            "ui_first_file",
            "Click Start → first file done (app, worker server warmed when the app opened), median of trials",
            " s",
            "<=",
            0.5,
        ),
        (
            "ui_fragment_trip",
            "Job panel fragment round trip in the browser while a job saturates the cores, p95",
            " s",
            "<=",
            0.3,
        ),
        (
            "ui_cancel_feedback",
            "Click Cancel → panel shows Cancelling (browser), worst of trials",
            " s",
            "<=",
            0.3,
        ),
        ("ui_browser", "Click Cancel → panel shows Cancelled (browser), worst of trials", " s", "<=", 1.5),
    ],
    "eta": [
        (
            "eta_accuracy",
            "ETA at 25/50/75% of a cold ingest vs real remaining time, worst relative error",
            " %",
            "<=",
            35,
        )
    ],
    "first_file": [
        (
            "first_file",
            "First file done after `docmind ingest` starts (CLI, cold worker server)",
            " s",
            "<=",
            1.0,
        )
    ],
    "limit": [
        (
            "machine_limit",
            "Cold ingest (keyword-only) / machine limit (unavoidable CPU-s ÷ cores)",
            "×",
            "<=",
            1.5,
        )
    ],
    "vectors": [
        (f"vectors_{store}", f"Vector query p95, 100k × 384 dims, top 10: {title}", " ms", "<=", 50)
        for store, title in (
            ("faiss_flat", "FAISS IndexFlatIP, IO_FLAG_MMAP"),
            ("faiss_flat_ifc", "FAISS IndexFlatIP, IO_FLAG_MMAP_IFC"),
            ("lancedb_flat", "LanceDB, no index"),
            ("lancedb_ivfpq", "LanceDB, IVF_PQ index"),
        )
    ],
    "embed": [
        ("embed_cold", "Cold ingest with embeddings: baseline / DocMind (speed-up)", "×", ">=", 1.5),
        (
            "embed_cold_fair",
            "Cold ingest with embeddings: full-coverage baseline / DocMind (speed-up)",
            "×",
            ">=",
            2.0,
        ),
        ("embed_coverage", "Share of chunk tokens embedded by DocMind (coverage)", "", ">=", 1.0),
        ("embed_noop", "Re-ingest with embeddings, nothing changed: cold / re-ingest", "×", ">=", 50),
        ("embed_pss", "Peak PSS of cold ingest with embeddings: DocMind / baseline", "×", "<=", 1.0),
        (
            "embed_throughput",
            "Embedding windows/s: DocMind / model.encode on the same windows",
            "×",
            ">=",
            0.9,
        ),
    ],
    "ray": [
        (
            "ray_overhead",
            "Cold ingest on Ray / local pool, as in the app (running runtime, connection kept)",
            "×",
            "<=",
            1.3,
        ),
        (
            "ray_overhead_cli",
            "Cold `docmind ingest` on Ray (--ray-address, running runtime) / local pool",
            "×",
            "<=",
            1.3,
        ),
        (
            "ray_cancel",
            "Cancel on Ray → run_ingestion stopped (driver back in control), p95",
            " s",
            "<=",
            1.0,
        ),
        (
            "ray_ctrl_c",
            "Ctrl-C (SIGINT to the group) → `uv run docmind ingest --executor ray` exited, worst",
            " s",
            "<=",
            3.0,
        ),
    ],
    "ray_embed": [
        (
            "ray_embed_scaling",
            "Embedding windows/s on Ray: two batch actors / one (two-node test cluster, 1 CPU per node)",
            "×",
            ">=",
            1.5,
        )
    ],
    "embed_runtime": [
        (
            "embed_rate",
            "Embedding windows/s: DocMind / sentence-transformers on torch f32, same windows, alternating",
            "×",
            ">=",
            2.5,
        ),
        (
            "hybrid_cli_time",
            "`docmind search --mode hybrid` / `--mode bm25` (whole process, small snapshot with vectors)",
            "×",
            "<=",
            1.5,
        ),
        ("hybrid_cli_rss", "`docmind search --mode hybrid` peak RSS (whole process tree)", " MiB", "<=", 400),
    ],
    "quality": [
        (
            "quality_rule",
            "MRR@5: hybrid − max(BM25, dense), worst of 5 folds (weight tuned on the other 4) and all",
            "",
            ">=",
            0.0,
        ),
        ("quality_mrr", "MRR@5 on the paraphrased questions: hybrid − BM25", "", ">=", 0.1),
        ("quality_recall", "Recall@5 on the paraphrased questions: hybrid − BM25", "", ">=", 0.0),
        (
            "quality_fusion",
            "MRR@5: convex fusion (the default) − reciprocal-rank fusion, whole set",
            "",
            ">=",
            0.0,
        ),
    ],
}
NOTES = [
    "Times are wall-clock seconds of whole subprocesses (interpreter start to exit) for both DocMind's CLI "
    "and the baseline; medians over the rounds, each round alternating which runs first.",
    "Peak RSS: psutil samples every 50 ms of the process and all its descendants, RSS summed (DocMind: CLI + "
    "forkserver + workers; baseline: one process); the same method for both. Summed RSS counts pages "
    "shared by forked workers once per process, so DocMind's figure is an upper bound.",
    "Baseline: SimpleDirectoryReader(recursive) → IngestionPipeline([SentenceSplitter(1024, 200)]) → "
    "BM25Retriever.from_defaults → persist, one process (tests/benchmarks/baseline_ingest.py).",
    "Other workloads may share this machine: before each group and round the harness waits (≤ 30 s) for "
    "idle CPUs, and every figure records the share of the CPUs other processes used while it was measured "
    "(`background_load` in latest.json; flagged ⚠ above 10%). CPU-seconds are reported beside wall times.",
    "Cancel moments are seeded (seed 20260); in-process trials keep the forkserver warm, as the app "
    "server does.",
]


def _figure_plan(ctx: Context, groups: list[str]) -> list[tuple[str, Callable[[], list[Figure]]]]:
    from tests.benchmarks.figures import (
        cancel,
        embed,
        embed_runtime,
        engine_limit,
        eta,
        ingest,
        publish,
        quality,
        ray,
        ray_embed,
        regression,
        search_cli,
        segments,
        ui_browser,
        ui_panel,
        vector_scale,
        vectors,
    )

    plan: list[tuple[str, Callable[[], list[Figure]]]] = []
    want_cold, want_re = "cold" in groups, "reingest" in groups
    if want_cold or want_re:
        name = "cold" if want_cold else "reingest"
        plan.append((name, lambda: ingest.ingest_figures(ctx, want_cold=want_cold, want_reingest=want_re)))
    table: dict[str, Callable[[], list[Figure]]] = {
        "scale": lambda: ingest.scale_figures(ctx),
        "cancel_cli": lambda: cancel.cli_figures(ctx),
        "cancel": lambda: [cancel.in_process_figure(ctx)],
        "publish": lambda: publish.publish_figures(ctx),
        "ui_panel": lambda: [ui_panel.ui_panel_figure(ctx)],
        "ui_browser": lambda: ui_browser.ui_browser_figures(ctx),
        "eta": lambda: [eta.eta_figure(ctx)],
        "first_file": lambda: [engine_limit.first_file_figure(ctx)],
        "limit": lambda: [engine_limit.limit_figure(ctx)],
        "vectors": lambda: vectors.vector_figures(ctx),
        "embed": lambda: embed.embed_figures(ctx),
        "embed_runtime": lambda: embed_runtime.embed_runtime_figures(ctx),
        "quality": lambda: quality.quality_figures(ctx),
        "ray": lambda: ray.ray_figures(ctx),
        "ray_embed": lambda: ray_embed.ray_embed_figures(ctx),
        "segments": lambda: segments.segment_figures(ctx),
        "search_cli": lambda: search_cli.search_cli_figures(ctx),
        "vector_scale": lambda: vector_scale.vector_scale_figures(ctx),
        "regression": lambda: regression.regression_figures(ctx),
    }
    order = (
        "scale",
        "cancel_cli",
        "cancel",
        "publish",
        "ui_panel",
        "ui_browser",
        "eta",
        "first_file",
        "limit",
        "vectors",
        "embed",
        "embed_runtime",
        "quality",
        "ray",
        "ray_embed",
        "segments",
        "search_cli",
        "vector_scale",
        "regression",
    )
    plan += [(group, table[group]) for group in order if group in groups]
    return plan


def _placeholders(group: str, error: str, done: list[Figure]) -> list[Figure]:
    have = {f.key for f in done}
    names = PLACEHOLDERS[group] + (PLACEHOLDERS["reingest"] if group == "cold" else [])
    return [failed_figure(k, t, u, o, th, error) for k, t, u, o, th in names if k not in have]


def _mark_contention(figure: Figure, load: float) -> None:
    """Record how busy other processes kept the machine while the figure was measured."""
    figure.details["background_load"] = round(load, 3)
    if load > CONTENTION:
        figure.summary += f" ⚠ other processes kept {load:.0%} of the CPUs busy meanwhile"


def main(argv: list[str] | None = None) -> int:
    """Parse options, build the corpus, run the figures, write the report."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.run", description="Run the DocMind benchmarks."
    )
    parser.add_argument("--quick", action="store_true", help="small corpus, 1 round: a smoke run")
    parser.add_argument(
        "--rounds", type=int, default=None, help="rounds per figure (default 3; 1 with --quick)"
    )
    parser.add_argument("--only", default="", help=f"comma-separated groups: {','.join(GROUPS)}")
    parser.add_argument(
        "--out",
        default="",
        help="results file stem (default: latest, or partial); with --only: merge into it",
    )
    args = parser.parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()] or list(GROUPS)
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {unknown}; choose from {','.join(GROUPS)}")
    rounds = args.rounds or (1 if args.quick else 3)
    os.environ["DOCMIND_EMBED"] = "off"  # in-process figures measure the keyword-only engine
    out = args.out or ("partial" if args.quick or args.only else "latest")
    started = time.monotonic()
    engine_at_start = source_digest()
    corpus = ensure_corpus(args.quick)
    warm_page_cache((corpus.main, *corpus.copies))
    logs = RUNS / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="docmind-bench-"))
    ctx = Context(corpus=corpus, rounds=rounds, quick=args.quick, work=work, logs=logs)
    figures: list[Figure] = []
    try:
        for group, measure in _figure_plan(ctx, groups):
            print(f"== {group}", flush=True)
            produced: list[Figure] = []
            ctx.quiet(group)
            with TreeSampler(os.getpid()) as sampler:
                try:
                    produced = measure()
                except Exception as exc:
                    traceback.print_exc()
                    produced = _placeholders(group, f"{type(exc).__name__}: {exc}", produced)
            for figure in produced:
                _mark_contention(figure, sampler.background_load)
            figures += produced
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta = {
        "command": "python -m tests.benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "rounds": rounds,
        "quick": args.quick,
        "groups": groups,
        "duration_s": round(time.monotonic() - started, 1),
        "machine": machine(),
        "corpus": {k: v for k, v in corpus.manifest.items()},
        "notes": [*NOTES, *ctx.notes],
        "quiet_waits_s": ctx.shared.get("quiet_waits", []),
        "engine_source": {"at_start": engine_at_start, "at_end": source_digest()},
    }
    if engine_at_start != meta["engine_source"]["at_end"]:
        meta["notes"].append(
            "The app/libs sources changed while this run was measuring: figures may mix versions."
        )
    if args.only and args.out:
        json_path, md_path = report.merge(figures, meta, stem=out)
    else:
        json_path, md_path = report.write(figures, meta, stem=out)
    print(md_path.read_text(encoding="utf-8"))
    print(f"wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
