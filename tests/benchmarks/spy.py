"""A whole-process-tree CPU profile of one ``docmind ingest`` run, with py-spy, summarised.

``py-spy record --subprocesses --format raw`` samples the CLI, its forkserver and every worker
(CPU samples only, 100 Hz). Each sampled stack is put in one *category* (imports, hash, parse,
split, cache write/read, BM25 build, publish, ...) by the engine frames it contains, and in one
*role* by its depth in the process tree (CLI → forkserver → worker). The JSON progress events of
the same run give the wall-clock phase timeline (start-up, scan, parse, index, publish, exit).

py-spy is not a project dependency: it is run with ``uv tool run py-spy`` (or a ``py-spy`` on
PATH); without either, the part is skipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.measure import REPO, bench_env, docmind_argv

RATE = 100
# (category, any of these substrings in the stack); first match wins, checked in this order.
CATEGORIES = (
    ("imports", ("_find_and_load",)),
    ("hash", ("file_sha256",)),
    ("parse PDF", ("_parse_pdf",)),
    ("parse HTML", ("_parse_html",)),
    ("parse text", ("parse_file",)),
    ("split", ("split_pages", "split_text")),
    ("cache write", ("ChunkCache.put", "put (docmind/ingest/parse/chunk_cache.py")),
    ("cache read", ("ChunkCache.get", "get (docmind/ingest/parse/chunk_cache.py")),
    ("index build (segments)", ("build_index", "docmind/segments/", "bm25")),
    ("publish", ("docmind_snapshots/workspace.py",)),
    ("scan", ("docmind/ingest/scan/corpus.py",)),
    ("worker pool: dispatch / poll", ("docmind/executors/local/pool.py",)),
    (
        "jobs: registry, follow loop, cancel watcher",
        ("docmind_jobs/registry.py", "JobManager.wait", "watcher.py"),
    ),
    ("CLI output", ("progress_view.py",)),
)


def spy_command() -> list[str] | None:
    """How to run py-spy here, or ``None``."""
    if shutil.which("py-spy"):
        return ["py-spy"]
    if shutil.which("uv"):
        return ["uv", "tool", "run", "py-spy"]
    return None


def _role(processes: list[str]) -> str:
    last = processes[-1]
    if "resource_tracker" in last:
        return "resource tracker"
    return {1: "CLI main", 2: "forkserver"}.get(len(processes), "workers")


def _category(stack: str) -> str:
    lowered = stack.lower()
    for name, needles in CATEGORIES:
        if any(n.lower() in lowered for n in needles):
            return name
    return "other (interpreter, multiprocessing, waiting loops)"


def _hot_frame(frames: list[str]) -> str:
    """The frame that names the work: the first module imported, else the deepest project frame."""
    for index, frame in enumerate(frames):
        if frame.startswith("_find_and_load"):
            module = next((f for f in frames[index:] if f.startswith("<module>")), "")
            return f"import {module.removeprefix('<module> ')}"
    ours = [f for f in frames if "docmind" in f or "benchmarks" in f]
    return ours[-1] if ours else (frames[-1] if frames else "(no Python frame)")


def _sorted(table: dict[str, float], top: int = 0) -> dict[str, float]:
    items = sorted(table.items(), key=lambda kv: -kv[1])
    return {k: round(v, 2) for k, v in (items[:top] if top else items)}


def summarise(raw: Path) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """CPU seconds by role and category, and the hottest frames by role, from py-spy raw output."""
    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    hot: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        processes = [f for f in frames if f.startswith("process ")]
        role, seconds = _role(processes), int(count) / RATE
        table[role][_category(stack)] += seconds
        hot[role][_hot_frame([f for f in frames if not f.startswith("process ")])] += seconds
    return (
        {role: _sorted(cats) for role, cats in table.items()},
        {role: _sorted(frames, 10) for role, frames in hot.items()},
    )


def timeline(stdout: str, started_at: datetime, wall: float) -> dict[str, float]:
    """Seconds spent in each phase, from the ``--json`` progress events' timestamps."""
    events = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            obj = json.loads(line)
            if obj.get("event") == "progress" and obj.get("at"):
                events.append(
                    (datetime.fromisoformat(obj["at"].replace("Z", "+00:00")), obj.get("phase", ""))
                )
    if not events:
        return {}
    marks: dict[str, datetime] = {}
    for at, phase in events:
        marks.setdefault(phase, at)
    out = {"start-up (interpreter, imports, open data dir)": (events[0][0] - started_at).total_seconds()}
    order = [p for p in ("scan", "parse", "index", "publish") if p in marks]
    for phase, following in zip(order, [*order[1:], None], strict=True):
        end = marks[following] if following else events[-1][0]
        out[phase] = (end - marks[phase]).total_seconds()
    out["exit (after the last event)"] = wall - (events[-1][0] - started_at).total_seconds()
    return {k: round(v, 3) for k, v in out.items()}


def profile_cli(sources: list[Path], data: Path, out_dir: Path, name: str) -> dict[str, Any]:
    """Run ``docmind ingest SOURCES`` under py-spy; return the summary, timeline and wall time."""
    spy = spy_command()
    if spy is None:
        return {"skipped": "py-spy not available"}
    raw = out_dir / f"{name}.spy.txt"
    argv = [*spy, "record", "-r", str(RATE), "--subprocesses", "--format", "raw", "-o", str(raw), "--"]
    argv += docmind_argv("ingest", *map(str, sources), "--data-dir", str(data), "--json")
    started_at = datetime.now().astimezone()
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=bench_env(), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if not raw.exists():
        return {"skipped": f"py-spy failed: {done.stderr[-300:]}"}
    summary, hot = summarise(raw)
    raw.unlink()  # the collapsed stacks are large; the summary is what we keep
    return {
        "wall_s": round(wall, 2),
        "timeline_s": timeline(done.stdout, started_at, wall),
        "cpu_s_by_role": {role: round(sum(c.values()), 2) for role, c in summary.items()},
        "cpu_s_by_role_and_category": summary,
        "hot_frames_by_role": hot,
    }
