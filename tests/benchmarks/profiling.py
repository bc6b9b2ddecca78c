"""Profile where ingest time goes: DocMind's main process, a worker, the baseline, and startup.

``python -m tests.benchmarks.profiling [--quick]`` writes ``results/profiles/*.txt`` (pyinstrument
call trees) and ``results/profiles/breakdown.json`` (stage timings), which ``results/profile.md``
summarises. Parts, each in a fresh subprocess so imports are counted:

- ``startup``: interpreter + import cost of the CLI, of LlamaIndex, of the worker preload;
- ``stages``: every corpus file through the worker's steps in one process, timed per step
  (hash, parse, split, cache write) and summed by file type: the work the pool parallelises;
- ``engine``: ``run_ingestion`` on the 1x corpus in the main thread under pyinstrument (what the
  main process does while workers parse: hashing, waiting, index build, publish);
- ``worker``: ``process_file`` on the largest PDF, the longest real PDF and an HTML page under
  pyinstrument;
- ``baseline``: the baseline ingest under pyinstrument, plus its own stage timings.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.corpus import BenchCorpus, ensure_corpus
from tests.benchmarks.measure import REPO, bench_env, median, run_measured, wait_for_quiet

OUT = Path(__file__).resolve().parent / "results" / "profiles"


def _profiled(name: str, fn: Any) -> Any:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        return fn()
    finally:
        from pyinstrument.renderers import ConsoleRenderer

        profiler.stop()
        session = profiler.last_session
        assert session is not None
        tree = ConsoleRenderer(unicode=True, color=False, show_all=False).render(session)
        flat = ConsoleRenderer(unicode=True, color=False, show_all=True, flat=True).render(session)
        flat = "\n".join(flat.splitlines()[:60])  # the 60 functions with the most self time
        (OUT / f"{name}.txt").write_text(f"{tree}\n\nSelf time, top functions:\n{flat}\n", encoding="utf-8")


def part_startup(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """Median wall time of a few import-only interpreters (3 runs each)."""
    snippets = {
        "python_bare": "pass",
        "import_docmind_cli": "import docmind.cli.main",
        "import_llama_index_core": "import llama_index.core",
        "import_bm25_retriever": "import llama_index.retrievers.bm25",
        "import_worker_preload": "import docmind.ingest.parse.preload",
        "import_pypdfium2": "import pypdfium2",
        "import_pypdf": "import pypdf",
    }
    out = {}
    for name, code in snippets.items():
        times = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code], cwd=REPO, env=bench_env(), check=True, capture_output=True
            )
            times.append(time.perf_counter() - started)
        out[name] = round(median(times), 3)
    return out


def part_stages(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """Hash / parse / split / cache-write time per file type, one process, whole 1x corpus."""
    from docmind.ingest.parse.chunk_cache import CacheEntry, ChunkCache, fingerprint
    from docmind.ingest.parse.file_task import split_pages
    from docmind.ingest.parse.parsers import parse_file
    from docmind.ingest.scan.content_hashes import file_sha256

    split_pages([("1", "warm up the splitter.")], 1024, 200)
    cache = ChunkCache(scratch / "cache", fingerprint(1024, 200))
    totals: dict[str, dict[str, float]] = {}
    for path in sorted(p for p in corpus.main.rglob("*") if p.is_file()):
        kind = path.suffix.lower().lstrip(".")
        slot = totals.setdefault(
            kind, {"files": 0, "hash_s": 0, "parse_s": 0, "split_s": 0, "cache_put_s": 0}
        )
        t0 = time.perf_counter()
        sha = file_sha256(path)
        t1 = time.perf_counter()
        pages = parse_file(path, lambda: False)
        t2 = time.perf_counter()
        chunks = split_pages(pages, 1024, 200)
        t3 = time.perf_counter()
        cache.put(CacheEntry(sha256=sha, pages=len(pages), chunks=chunks))
        t4 = time.perf_counter()
        slot["files"] += 1
        for key, value in (
            ("hash_s", t1 - t0),
            ("parse_s", t2 - t1),
            ("split_s", t3 - t2),
            ("cache_put_s", t4 - t3),
        ):
            slot[key] += value
    return {k: {n: round(v, 3) for n, v in slot.items()} for k, slot in totals.items()}


def part_engine(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """``run_ingestion`` in the main thread under pyinstrument (imports included)."""

    class Silent:
        def report(self, phase: str, **_: Any) -> None:
            pass

    def go() -> Any:
        import threading

        from docmind.ingest.pipeline import run_ingestion
        from docmind.ingest.scan.corpus import Source
        from docmind.settings import Settings
        from docmind_snapshots import SnapshotStore

        return run_ingestion(
            settings=Settings(data_dir=scratch / "data"),
            sources=[Source(corpus.main, "corpus")],
            store=SnapshotStore(scratch / "index"),
            cache_root=scratch / "cache",
            reporter=Silent(),
            cancel=threading.Event(),
            owner="profile",
        )

    started = time.perf_counter()
    summary = _profiled("docmind_main_process", go)
    return {"seconds": round(time.perf_counter() - started, 3), "summary": summary.model_dump(mode="json")}


def part_worker(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """``process_file`` on three representative files under pyinstrument."""
    from docmind.ingest.parse.chunk_cache import fingerprint
    from docmind.ingest.parse.file_task import FileTask, process_file, warm_up

    warm_up()
    real = sorted((corpus.main / "real").glob("*.pdf"), key=lambda p: -p.stat().st_size)
    picks = [corpus.largest_pdf, *real[:1], *sorted((corpus.main / "real").glob("*.html"))[:1]]
    out = {}

    def go() -> None:
        for path in picks:
            started = time.perf_counter()
            task = FileTask(path, path.name, scratch / "cache", fingerprint(1024, 200), 1024, 200)
            outcome = process_file(task)
            out[path.name] = {"seconds": round(time.perf_counter() - started, 3), "chunks": outcome.chunks}

    _profiled("docmind_worker", go)
    return out


def part_baseline(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """The baseline ingest under pyinstrument (one process does everything)."""
    from tests.benchmarks import baseline_ingest

    link = scratch / "corpus-main"
    link.symlink_to(corpus.main, target_is_directory=True)
    return _profiled("baseline", lambda: baseline_ingest.ingest(str(link), str(scratch / "bm25")))


def part_cli(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """py-spy over the whole process tree: cold CLI ingest, no-op re-ingest, re-ingest +1 file."""
    import shutil

    from tests.benchmarks.spy import profile_cli

    data = scratch / "data"
    out = {"cold": profile_cli([corpus.main], data, OUT, "cli_cold")}
    out["noop"] = profile_cli([corpus.main], data, OUT, "cli_noop")
    shutil.copy2(corpus.extra_file, data / "documents" / corpus.extra_file.name)
    out["add_one"] = profile_cli([corpus.main], data, OUT, "cli_add_one")
    alone = scratch / "alone"
    (alone / "documents").mkdir(parents=True)
    shutil.copy2(corpus.extra_file, alone / "documents" / corpus.extra_file.name)
    out["one_file_alone"] = profile_cli([], alone, OUT, "cli_one_file")
    return out


def part_commit(corpus: BenchCorpus, scratch: Path) -> dict[str, Any]:
    """``seal_all`` + ``Workspace.commit`` of a 10k-chunk BM25 snapshot under pyinstrument (5 commits)."""
    from tests.benchmarks.figures.publish import RETENTION, build_index_template, commit_times

    build_index_template(10_000, scratch / "template", 1)
    seals, times = _profiled(
        "commit_10k", lambda: commit_times(scratch / "template", scratch / "store", 5, RETENTION)
    )
    return {"seal_ms": [round(t * 1000, 1) for t in seals], "commit_ms": [round(t * 1000, 1) for t in times]}


PARTS = {"startup": part_startup, "stages": part_stages, "engine": part_engine, "worker": part_worker}
PARTS.update(baseline=part_baseline, cli=part_cli, commit=part_commit)


def main() -> None:
    """Run each part in its own interpreter (``--part``) and collect ``breakdown.json``."""
    parser = argparse.ArgumentParser(description="Profile DocMind and the baseline.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=sorted(PARTS), help="run one part in this process (internal)")
    parser.add_argument(
        "--only", default="", help="comma-separated parts to (re)run; others kept from the last run"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = ensure_corpus(args.quick)
    if args.part:
        with tempfile.TemporaryDirectory(prefix="docmind-profile-") as scratch:
            result = PARTS[args.part](corpus, Path(scratch))
        print(json.dumps(result, default=str))
        return
    previous = OUT / "breakdown.json"
    only = [p for p in args.only.split(",") if p]
    breakdown: dict[str, Any] = json.loads(previous.read_text()) if only and previous.exists() else {}
    breakdown["corpus"] = corpus.manifest["main"]
    for name in only or PARTS:
        print(f"[profile] {name} ...", flush=True)
        waited = wait_for_quiet(max_wait=20)
        argv = [
            sys.executable,
            "-m",
            "tests.benchmarks.profiling",
            "--part",
            name,
            *(["--quick"] if args.quick else []),
        ]
        done = run_measured(argv, log_dir=OUT.parent.parent / ".runs" / "profile-logs", name=name)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        breakdown[name] = json.loads(lines[-1]) if lines else {"error": done.stderr_tail[-1500:]}
        breakdown[f"{name}_run"] = {
            "wall_s": round(done.seconds, 2),
            "cpu_s": round(done.cpu_seconds, 2),
            "background_load": round(done.background_load, 3),
            "waited_for_quiet_s": round(waited, 1),
        }
    (OUT / "breakdown.json").write_text(json.dumps(breakdown, indent=1), encoding="utf-8")
    print(json.dumps(breakdown, indent=1))


if __name__ == "__main__":
    main()
