"""Segment figures: what a change costs at 20× the corpus against 1×, through the real CLI.

The 20× corpus is the 1× corpus plus 19 copies of every file, each copy's bytes made unique
(``docgen.vary_copy``: a PDF gets an incremental update, text a line), built once beside the bench
corpus. For each size, in the same run: a cold ingest (the ``docmind`` process's own peak RSS, the
job's process, apart from its workers), ``NOOPS`` re-ingests with nothing changed, ``ADDS``
re-ingests each after adding one more file (a unique copy of the bench corpus's extra PDF: time, and
for the first the bytes the index grew by: the size of the inodes under ``index/`` that the previous
snapshot did not have), ``docmind snapshots`` and ``docmind jobs``, and
``docmind search --mode bm25`` as a whole process (time and peak RSS); times are medians. At 20×,
five more one-file changes are made with retention keeping every snapshot, and the disk of the
index (each inode counted once, every snapshot kept) is compared with the cold one's alone.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import psutil

from tests.benchmarks.docgen import vary_copy
from tests.benchmarks.figures import Context
from tests.benchmarks.figures.ingest import run_docmind
from tests.benchmarks.measure import bench_env, docmind_argv, median, mib, run_measured
from tests.benchmarks.report import Figure

COPIES = 19
SEARCHES = ("quarterly revenue forecast", "kernel module buffer", "license warranty", "harbour lantern")
ADDED = 5
NOOPS = 3
ADDS = 3


def x20_corpus(ctx: Context) -> Path:
    """The 20× corpus's copies (the 1× corpus is the other source), built once next to the bench corpus."""
    root = ctx.corpus.root / "x20"
    done = root / "done"
    if done.exists():
        return root
    print(f"[segments] building the 20x corpus in {root} ...", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    files = [p for p in ctx.corpus.main.rglob("*") if p.is_file()]
    for copy in range(1, COPIES + 1):
        for source in files:
            vary_copy(source, root / f"copy-{copy:02d}" / source.relative_to(ctx.corpus.main), 100 + copy)
    done.write_text("ok\n")
    return root


def _sources(ctx: Context, x20: Path | None) -> tuple[Path, ...]:
    if x20 is None:
        return (ctx.corpus.main,)
    return (ctx.corpus.main, *sorted(p for p in x20.iterdir() if p.is_dir()))


def index_inodes(data: Path) -> dict[int, int]:
    """Inode → size of every file under the data dir's index (a hard-linked file counts once)."""
    sizes: dict[int, int] = {}
    for path in (data / "index").rglob("*"):
        if path.is_file() and not path.is_symlink():
            info = path.stat()
            sizes[info.st_ino] = info.st_size
    return sizes


def _root_peak_rss(argv: list[str], log: Path) -> tuple[float, int, str]:
    """Run ``argv``; return its wall time, the peak RSS of its own process (not its children), stdout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = psutil.Popen(
            argv, env=bench_env(), stdout=out, stderr=out, cwd=Path(__file__).resolve().parents[3]
        )
        peak = 0
        while proc.poll() is None:
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[3:5])} exited {proc.returncode}: {log.read_text()[-400:]}")
    return seconds, peak, log.read_text()


def _command(ctx: Context, data: Path, name: str, *args: str, reps: int = 3) -> dict[str, float]:
    """Median wall time and peak (tree) RSS of ``docmind ARGS --data-dir DATA`` over ``reps`` runs."""
    runs = [
        run_measured(docmind_argv(*args, "--data-dir", str(data)), log_dir=ctx.logs, name=f"{name}-{i}")
        for i in range(reps)
    ]
    for run in runs:
        if run.returncode != 0:
            raise RuntimeError(f"docmind {args[0]} exited {run.returncode}: {run.stderr_tail[-400:]}")
    return {"seconds": median([r.seconds for r in runs]), "rss": median([r.peak_rss for r in runs])}


def _one_size(ctx: Context, label: str, sources: tuple[Path, ...]) -> dict[str, Any]:
    data = ctx.fresh_dir(f"segments-{label}")
    out: dict[str, Any] = {}
    try:
        argv = docmind_argv("ingest", *map(str, sources), "--data-dir", str(data), "--json")
        out["cold_s"], out["cold_root_rss"], _ = _root_peak_rss(argv, ctx.logs / f"segments-{label}-cold.log")
        out["one_snapshot_bytes"] = sum(index_inodes(data).values())
        noops = [run_docmind(ctx, data, sources, f"segments-{label}-noop-{n}").seconds for n in range(NOOPS)]
        out["noop"], out["noops"] = median(noops), noops
        adds = []
        for number in range(ADDS):
            before = index_inodes(data)
            added = vary_copy(ctx.corpus.extra_file, data / "documents" / f"added-{number}.pdf", 500 + number)
            adds.append(run_docmind(ctx, data, sources, f"segments-{label}-add-{number}").seconds)
            if number == 0:
                grown = index_inodes(data)
                out["added_bytes"] = sum(size for inode, size in grown.items() if inode not in before)
                out["file_bytes"] = added.stat().st_size
        out["add_s"], out["adds"] = median(adds), adds
        out["snapshots"] = _command(ctx, data, f"segments-{label}-snapshots", "snapshots")["seconds"]
        out["jobs"] = _command(ctx, data, f"segments-{label}-jobs", "jobs")["seconds"]
        searches = [
            _command(ctx, data, f"segments-{label}-search-{n}", "search", q, "--mode", "bm25", reps=1)
            for n, q in enumerate(SEARCHES)
        ]
        out["search_s"] = median([s["seconds"] for s in searches])
        out["search_rss"] = median([s["rss"] for s in searches])
        if label == "20x":
            out.update(_retained(ctx, data, sources))
    finally:
        ctx.discard(data)
    return out


def _retained(ctx: Context, data: Path, sources: tuple[Path, ...]) -> dict[str, Any]:
    """Disk of the index after five more one-file changes, every snapshot kept (seven in all)."""
    argv = docmind_argv("ingest", *map(str, sources), "--data-dir", str(data), "--json")
    for number in range(ADDED):
        note = data / "documents" / f"added-note-{number}.md"
        note.write_text(f"# Added note {number}\n\nA short note about harbour {number} and its lanterns.\n")
        name = f"segments-20x-retained-{number}"
        run = run_measured(argv, log_dir=ctx.logs, name=name, env=bench_env(DOCMIND_RETENTION="10"))
        if run.returncode != 0:
            raise RuntimeError(f"docmind ingest exited {run.returncode}: {run.stderr_tail[-400:]}")
    snapshots = sum(1 for p in (data / "index" / "snapshots").iterdir() if p.is_dir())
    return {"retained_bytes": sum(index_inodes(data).values()), "retained_snapshots": snapshots}


def segment_figures(ctx: Context) -> list[Figure]:
    """The [segments] figures at 1× and 20× (one round each; see the module docstring)."""
    x20 = x20_corpus(ctx)
    ctx.quiet("segments 1x", max_wait=15)
    one = _one_size(ctx, "1x", _sources(ctx, None))
    print(f"[segments] 1x: {one}", flush=True)
    ctx.quiet("segments 20x", max_wait=15)
    twenty = _one_size(ctx, "20x", _sources(ctx, x20))
    print(f"[segments] 20x: {twenty}", flush=True)
    details = {"x1": one, "x20": twenty}
    budget = 2 * 1024 * 1024 + 10 * twenty["file_bytes"]

    def ratio(key: str) -> float:
        return twenty[key] / one[key]

    return [
        Figure(
            "seg_add",
            "Re-ingest after adding one file: 20× / 1×",
            ratio("add_s"),
            "×",
            "<=",
            1.3,
            f"20× {twenty['add_s']:.2f} s vs 1× {one['add_s']:.2f} s (medians of {ADDS} adds)",
            details,
        ),
        Figure(
            "seg_add_vs_cold",
            "Cold ingest / re-ingest after adding one file, at 20×",
            twenty["cold_s"] / twenty["add_s"],
            "×",
            ">=",
            50,
            f"cold {twenty['cold_s']:.1f} s vs +1 file {twenty['add_s']:.2f} s",
            {},
        ),
        Figure(
            "seg_growth",
            "Index growth for one added file / (2 MB + 10× the file), at 20×",
            twenty["added_bytes"] / budget,
            "×",
            "<=",
            1.0,
            f"{twenty['added_bytes'] / 1e6:.2f} MB written for a {twenty['file_bytes'] / 1e6:.2f} MB file "
            f"(budget {budget / 1e6:.2f} MB)",
            {},
        ),
        Figure(
            "seg_noop",
            "Re-ingest with nothing changed: 20× / 1×",
            ratio("noop"),
            "×",
            "<=",
            1.5,
            f"20× {twenty['noop']:.2f} s vs 1× {one['noop']:.2f} s (medians of {NOOPS})",
            {},
        ),
        Figure(
            "seg_snapshots",
            "`docmind snapshots`: 20× / 1×",
            ratio("snapshots"),
            "×",
            "<=",
            1.3,
            f"20× {twenty['snapshots']:.2f} s vs 1× {one['snapshots']:.2f} s",
            {},
        ),
        Figure(
            "seg_jobs",
            "`docmind jobs`: 20× / 1×",
            ratio("jobs"),
            "×",
            "<=",
            1.3,
            f"20× {twenty['jobs']:.2f} s vs 1× {one['jobs']:.2f} s",
            {},
        ),
        Figure(
            "seg_search_time",
            "`docmind search --mode bm25` (whole process): 20× / 1×",
            ratio("search_s"),
            "×",
            "<=",
            1.5,
            f"20× {twenty['search_s']:.2f} s vs 1× {one['search_s']:.2f} s",
            {},
        ),
        Figure(
            "seg_search_rss",
            "`docmind search --mode bm25` peak RSS: 20× / 1×",
            ratio("search_rss"),
            "×",
            "<=",
            1.5,
            f"20× {mib(twenty['search_rss'])} MiB vs 1× {mib(one['search_rss'])} MiB",
            {},
        ),
        Figure(
            "seg_retained",
            "Disk of the index after eight one-file changes (all kept) / one snapshot",
            twenty["retained_bytes"] / twenty["one_snapshot_bytes"],
            "×",
            "<=",
            1.2,
            f"{twenty['retained_snapshots']} snapshots {twenty['retained_bytes'] / 1e6:.1f} MB "
            f"vs the cold one alone {twenty['one_snapshot_bytes'] / 1e6:.1f} MB",
            {},
        ),
        Figure(
            "seg_job_rss",
            "Peak RSS of the `docmind ingest` process in a cold ingest: 20× / 1×",
            ratio("cold_root_rss"),
            "×",
            "<=",
            1.5,
            f"20× {mib(twenty['cold_root_rss'])} MiB vs 1× {mib(one['cold_root_rss'])} MiB "
            f"(cold ingest 20× {twenty['cold_s']:.1f} s, 1× {one['cold_s']:.1f} s)",
            {},
        ),
    ]
