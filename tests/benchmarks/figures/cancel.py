"""Cancel latency: from the cancel request to the job having stopped.

In-process: ``run_ingestion`` runs in a thread on the 1x corpus with a fresh cache and store;
the harness sets its ``threading.Event`` at a seeded random moment and measures until
``run_ingestion`` raises. A calibration run (not cancelled) first finds how long a cold ingest
takes and when the largest PDF (``a-large/handbook.pdf``, the first file handed to a worker) is
finished, so several moments are drawn while that PDF is being parsed; at cancel time a trial
counts as "inside the largest PDF" when the phase is ``parse`` and its cache entry does not exist
yet. The worker pool's forkserver stays warm between trials, as in a long-running app server.

CLI: ``docmind ingest`` in its own process group gets SIGINT on the group (what Ctrl-C does) at a
random moment after parsing started; measured until the CLI process exits and until every process
of the group is gone.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import REPO, bench_env, docmind_argv, median, percentile
from tests.benchmarks.report import Figure

TARGET_S = 0.5


class _Recorder:
    """A progress reporter that remembers the phase and when parsing started."""

    def __init__(self) -> None:
        self.phase = "scan"
        self.parse_started: float | None = None

    def report(self, phase: str, **_: Any) -> None:
        """Take one progress event."""
        if phase == "parse" and self.parse_started is None:
            self.parse_started = time.perf_counter()
        self.phase = phase


def _entry_exists(cache_root: Path, sha: str) -> bool:
    return any(cache_root.rglob(f"{sha}*")) if cache_root.exists() else False


def _trial(ctx: Context, moment: float | None, big_sha: str) -> dict[str, Any]:
    """One ingestion; cancelled ``moment`` seconds after start (``None``: calibration, not cancelled)."""
    from docmind.executors.errors import IngestCancelled
    from docmind.ingest.pipeline import run_ingestion
    from docmind.ingest.scan.corpus import Source
    from docmind.settings import Settings
    from docmind_snapshots import SnapshotStore

    scratch = ctx.fresh_dir("cancel")
    cache_root = scratch / "cache"
    store = SnapshotStore(scratch / "index")
    cancel, recorder, box = threading.Event(), _Recorder(), {}

    def target() -> None:
        try:
            run_ingestion(
                settings=Settings(data_dir=scratch / "data"),
                sources=[Source(ctx.corpus.main, "corpus")],
                store=store,
                cache_root=cache_root,
                reporter=recorder,
                cancel=cancel,
                owner="bench",
            )
            box["outcome"] = "completed"
        except IngestCancelled:
            box["outcome"] = "cancelled"
        except BaseException as exc:
            box["outcome"] = f"error: {exc!r}"
        box["end"] = time.perf_counter()

    thread = threading.Thread(target=target, name="bench-ingest", daemon=True)
    start = time.perf_counter()
    thread.start()
    result: dict[str, Any] = {"moment_s": moment}
    try:
        if moment is None:
            while thread.is_alive():
                if "big_done" not in result and _entry_exists(cache_root, big_sha):
                    result["big_done"] = time.perf_counter() - start
                thread.join(0.01)
            result["parse_started"] = (recorder.parse_started or start) - start
            result["total"] = box["end"] - start
        else:
            thread.join(moment)
            if not thread.is_alive():
                result["outcome"] = "completed before the cancel"
                return result
            result["phase"] = recorder.phase
            result["inside_largest_pdf"] = recorder.phase == "parse" and not _entry_exists(
                cache_root, big_sha
            )
            asked = time.perf_counter()
            cancel.set()
            thread.join(60)
            result["latency_s"] = box.get("end", float("inf")) - asked
        result["outcome"] = box.get("outcome", "still running")
        tmp = scratch / "index" / "tmp"
        result["leftover_workspaces"] = len(list(tmp.iterdir())) if tmp.exists() else 0
        return result
    finally:
        ctx.discard(scratch)


def _moments(ctx: Context, calibration: dict[str, Any], count: int, inside: int) -> list[float]:
    rng = random.Random(ctx.seed)
    total = calibration["total"]
    # The first half of the calibrated window: how long the largest PDF takes varies between runs.
    start, done = calibration["parse_started"], calibration.get("big_done", 0)
    low, high = start + 0.02, start + 0.5 * (done - start)
    picks = [rng.uniform(low, high) for _ in range(inside)] if high > low else []
    picks += [rng.uniform(0.02, 0.95 * total) for _ in range(count - len(picks))]
    rng.shuffle(picks)
    return picks


def in_process_figure(ctx: Context) -> Figure:
    """p95 of cancel → ``run_ingestion`` raised, over 20 seeded moments (8 with ``--quick``)."""
    from docmind.ingest.scan.content_hashes import file_sha256

    big_sha = file_sha256(ctx.corpus.largest_pdf)
    _trial(ctx, None, big_sha)  # warm the forkserver (its preload imports LlamaIndex)
    calibration = _trial(ctx, None, big_sha)
    count, inside = (8, 3) if ctx.quick else (20, 8)
    trials = [_trial(ctx, m, big_sha) for m in _moments(ctx, calibration, count, inside)]
    stopped = [t for t in trials if t.get("outcome") == "cancelled"]
    latencies = [t["latency_s"] for t in stopped]
    in_big = [t["latency_s"] for t in stopped if t.get("inside_largest_pdf")]
    by_phase: dict[str, int] = {}
    for t in stopped:
        by_phase[t["phase"]] = by_phase.get(t["phase"], 0) + 1
    p95 = percentile(latencies, 95)
    print(f"[cancel] in-process p95 {p95 * 1000:.0f} ms over {len(latencies)} trials", flush=True)
    return Figure(
        "cancel_inprocess",
        "Cancel → run_ingestion stopped (in-process), p95",
        p95,
        " s",
        "<=",
        TARGET_S,
        f"{len(latencies)} moments ({len(in_big)} inside the largest PDF, phases {by_phase}); median "
        f"{median(latencies) * 1000:.0f} ms, max {max(latencies, default=float('nan')) * 1000:.0f} ms; "
        f"inside largest PDF max {max(in_big, default=float('nan')) * 1000:.0f} ms",
        {"calibration": calibration, "trials": trials},
    )


def _group_alive(pgid: int) -> bool:
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                return True
        except (psutil.Error, OSError):
            continue
    return False


def _cli_trial(ctx: Context, delay: float, name: str, group: bool) -> dict[str, Any]:
    """Start a cold CLI ingest, wait ``delay`` s after parsing began, send SIGINT, time the exit."""
    data = ctx.fresh_dir("cancel-cli")
    log = ctx.logs / f"{name}.out"
    argv = docmind_argv("ingest", str(ctx.corpus.main), "--data-dir", str(data), "--json")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=REPO, env=bench_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        while b'"phase": "parse"' not in log.read_bytes() and proc.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the CLI never reached the parse phase")
            time.sleep(0.02)
        time.sleep(delay)
        if proc.poll() is not None:
            return {"outcome": "completed before the signal", "returncode": proc.returncode}
        asked = time.perf_counter()
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        code = proc.wait(30)
        exited = time.perf_counter() - asked
        while _group_alive(proc.pid) and time.perf_counter() - asked < 30:
            time.sleep(0.02)
        last = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("docmind:")]
        return {
            "delay_s": round(delay, 3),
            "exit_s": exited,
            "group_gone_s": time.perf_counter() - asked,
            "returncode": code,
            "outcome": "cancelled" if code == 130 else f"exit {code}",
            "message": last[-1] if last else "",
        }
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        ctx.discard(data)


def cli_figures(ctx: Context) -> list[Figure]:
    """SIGINT → CLI exited, p95: to the CLI process (``kill -INT``) and to its group (Ctrl-C)."""
    rng = random.Random(ctx.seed + 1)
    count = 2 if ctx.quick else 4
    figures = []
    for group, key, title in (
        (False, "cancel_cli", "SIGINT → `docmind ingest` exited (CLI, kill -INT pid), p95"),
        (True, "cancel_ctrl_c", "Ctrl-C → `docmind ingest` exited (CLI, SIGINT to the group), p95"),
    ):
        trials = [_cli_trial(ctx, rng.uniform(0.1, 3.0), f"{key}-{i}", group) for i in range(count)]
        done = [t for t in trials if "exit_s" in t]
        exits = [t["exit_s"] for t in done]
        gone = [t["group_gone_s"] for t in done]
        codes = sorted({int(t.get("returncode", -1)) for t in trials})
        wrong = [t["message"] for t in done if t["returncode"] != 130]
        p95 = percentile(exits, 95)
        print(
            f"[cancel] {key} p95 {p95 * 1000:.0f} ms over {len(exits)} trials, exit codes {codes}", flush=True
        )
        summary = (
            f"{len(exits)} moments 0.1-3 s into parsing; median {median(exits) * 1000:.0f} ms; every process "
            f"gone p95 {percentile(gone, 95) * 1000:.0f} ms; exit codes {codes} (contract: 130)"
        )
        if wrong:
            summary += f"; {len(wrong)} not cancelled cleanly: {wrong[0][:120]}"
        figures.append(Figure(key, title, p95, " s", "<=", TARGET_S, summary, {"trials": trials}))
    return figures
