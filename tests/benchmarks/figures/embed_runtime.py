"""The embedding runtime: DocMind's encoder against sentence-transformers on torch f32, and hybrid CLI search.

- ``embed_rate``: the same seeded sample of DocMind's windows (cut from the 1x corpus's chunks by
  ``encode_probe``) encoded in two processes per round, which one runs first alternating: the
  model's own ``encode`` on torch f32 and DocMind's encoder with the default settings (OpenVINO,
  converted by an untimed warm-up). The figure is the median of the per-round ratios of windows per
  second; beside it the cosines between the two processes' vectors (the same windows, same order).
- ``hybrid_cli``: ``docmind search --mode hybrid`` and ``--mode bm25`` as whole processes on a small
  snapshot with vectors (the smallest text files of the 1x corpus, embedded once), alternating per
  question; the ratio of the median times, and the hybrid process tree's peak RSS.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.embed import embed_env
from tests.benchmarks.figures.ingest import _check, run_info
from tests.benchmarks.measure import RunResult, bench_env, docmind_argv, median, mib, run_measured
from tests.benchmarks.report import Figure

SAMPLE = 400
QUICK_SAMPLE = 96
SEARCH_FILES = 24
QUESTIONS = (
    "how is a snapshot published without readers seeing half of it",
    "what happens to a job when the server restarts",
    "configure the network interface address",
)
TEXT_SUFFIXES = frozenset({".md", ".txt", ".rst"})


def embed_runtime_figures(ctx: Context) -> list[Figure]:
    """The embedding-rate and hybrid-search figures; see the module docstring."""
    return [*_rate_figures(ctx), *_search_figures(ctx)]


def _rate_figures(ctx: Context) -> list[Figure]:
    data = ctx.fresh_dir("embed-rate")
    _check(
        run_measured(
            docmind_argv("--data-dir", str(data), "ingest", str(ctx.corpus.main)),
            log_dir=ctx.logs,
            name="embed-rate-snapshot",
            env=bench_env(),
        ),
        "keyword-only snapshot for the windows",
    )
    sample = QUICK_SAMPLE if ctx.quick else SAMPLE
    _probe(ctx, data, "docmind", "embed-rate-warm-up", None, 32)  # converts the model once, not timed
    ratios, rates, vectors, names = [], {"torch": [], "docmind": []}, {}, {}
    for number in range(ctx.rounds):
        ctx.quiet(f"embed rate round {number + 1}", max_wait=15)
        order = ("torch", "docmind") if number % 2 == 0 else ("docmind", "torch")
        found = {}
        for runtime in order:
            out = data / f"{runtime}.npy"
            found[runtime] = _probe(ctx, data, runtime, f"embed-rate-r{number}-{runtime}", out, sample)
            vectors[runtime] = out
        for runtime, result in found.items():
            rates[runtime].append(float(result["windows_per_s"]))
            names[runtime] = str(result["runtime"])
        ratios.append(float(found["docmind"]["windows_per_s"]) / float(found["torch"]["windows_per_s"]))
    cosines = np.sum(np.load(vectors["docmind"]) * np.load(vectors["torch"]), axis=1)
    ctx.discard(data)
    return [
        Figure(
            "embed_rate",
            "Embedding windows/s: DocMind / sentence-transformers on torch f32, same windows, alternating",
            median(ratios),
            "×",
            ">=",
            2.5,
            f"{names['docmind']} {median(rates['docmind']):.1f} windows/s vs {names['torch']} "
            f"{median(rates['torch']):.1f} windows/s on {sample} windows of up to 256 word pieces; "
            f"cosine mean {cosines.mean():.6f}, lowest {cosines.min():.6f}",
            {
                "ratios": [round(r, 3) for r in ratios],
                "rates": rates,
                "runtimes": names,
                "cosine_mean": float(cosines.mean()),
                "cosine_min": float(cosines.min()),
            },
        )
    ]


def _probe(ctx: Context, data: Path, runtime: str, name: str, out: Path | None, sample: int) -> dict:
    argv = [
        sys.executable,
        "-m",
        "tests.benchmarks.encode_probe",
        str(data),
        "--sample",
        str(sample),
        "--runtime",
        runtime,
    ]
    if out is not None:
        argv += ["--vectors", str(out)]
    result = _check(run_measured(argv, log_dir=ctx.logs, name=name, env=embed_env()), name)
    return result.last_json("encode")


def _search_figures(ctx: Context) -> list[Figure]:
    data, docs = ctx.fresh_dir("hybrid-cli"), ctx.fresh_dir("hybrid-cli-docs")
    texts = sorted(
        (p for p in ctx.corpus.main.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES),
        key=lambda p: (p.stat().st_size, p.name),
    )
    for number, path in enumerate(texts[:SEARCH_FILES]):
        (docs / f"{number:02d}-{path.name}").write_bytes(path.read_bytes())
    ingest = docmind_argv("--data-dir", str(data), "ingest", str(docs))
    _check(run_measured(ingest, log_dir=ctx.logs, name="hybrid-cli-snapshot", env=embed_env()), "ingest")
    runs: dict[str, list[RunResult]] = {"bm25": [], "hybrid": []}
    for number in range(ctx.rounds):
        ctx.quiet(f"hybrid cli round {number + 1}", max_wait=15)
        for position, question in enumerate(QUESTIONS):
            order = ("bm25", "hybrid") if (number + position) % 2 == 0 else ("hybrid", "bm25")
            for mode in order:
                argv = docmind_argv("--data-dir", str(data), "search", "--mode", mode, question)
                name = f"hybrid-cli-r{number}-q{position}-{mode}"
                runs[mode].append(
                    _check(run_measured(argv, log_dir=ctx.logs, name=name, env=embed_env()), name)
                )
    ctx.discard(data)
    ctx.discard(docs)
    bm25_s, hybrid_s = median([r.seconds for r in runs["bm25"]]), median([r.seconds for r in runs["hybrid"]])
    peak = max(r.peak_rss for r in runs["hybrid"])
    details = {mode: [run_info(r) for r in found] for mode, found in runs.items()}
    return [
        Figure(
            "hybrid_cli_time",
            "`docmind search --mode hybrid` / `--mode bm25` (whole process, small snapshot with vectors)",
            hybrid_s / bm25_s,
            "×",
            "<=",
            1.5,
            f"hybrid {hybrid_s:.2f} s vs bm25 {bm25_s:.2f} s (medians of {len(runs['bm25'])} searches each)",
            details,
        ),
        Figure(
            "hybrid_cli_rss",
            "`docmind search --mode hybrid` peak RSS (whole process tree)",
            mib(peak),
            " MiB",
            "<=",
            400,
            f"hybrid peak {mib(peak)} MiB, bm25 peak {mib(max(r.peak_rss for r in runs['bm25']))} MiB",
            {},
        ),
    ]
