"""Measuring: wall time, peak RSS and CPU of a process tree, background load, medians.

Peak RSS is measured the same way for every command: a thread samples the process and all its
descendants (``psutil``, every 50 ms), sums their RSS, and keeps the maximum. For DocMind the
tree holds the CLI, the forkserver and the worker processes; for the baseline, one process.
(Summing RSS counts pages shared by forked workers once per process, so it is an upper bound.)
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

SAMPLE_INTERVAL = 0.05
PSS_EVERY = 5  # PSS (reads smaps_rollup, ~1.4 ms a process) is sampled every 5th tick: 250 ms
REPO = Path(__file__).resolve().parents[2]


def tree_rss(process: psutil.Process) -> int:
    """Sum of the RSS of ``process`` and its descendants (vanished processes count 0)."""
    return sum(rss for rss, _ in _tree_usage(process).values())


def _tree_usage(process: psutil.Process) -> dict[int, tuple[int, float]]:
    """RSS and CPU seconds (user + system) of every live process of the tree, by pid."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return {}
    usage = {}
    for member in members:
        try:
            with member.oneshot():
                times = member.cpu_times()
                usage[member.pid] = (member.memory_info().rss, times.user + times.system)
        except psutil.Error:
            continue
    return usage


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores) since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


class TreeSampler:
    """Sample a process tree every 50 ms in a background thread.

    ``peak`` is the maximum summed RSS seen (``peak_pss``: summed PSS, which splits pages shared
    between forked processes instead of counting them in each, sampled every 250 ms);
    ``cpu_seconds`` the CPU time of every process seen (last sample of each);
    ``background_load`` the share of the machine's cores that *other* processes kept busy
    meanwhile (0 on a quiet machine; 0.5 = one of two cores taken).
    """

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._cpu: dict[int, float] = {}
        self._cpu0: dict[int, float] = {}
        self.peak = 0
        self.peak_pss = 0
        self.samples = 0
        self.max_processes = 0
        self.cpu_seconds = 0.0
        self.background_load = 0.0
        self._busy0 = 0.0
        self._wall0 = 0.0

    def _pss(self) -> int:
        total = 0
        with contextlib.suppress(psutil.Error):
            for member in [self._process, *self._process.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += member.memory_full_info().pss
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.samples % PSS_EVERY == 0:
                self.peak_pss = max(self.peak_pss, self._pss())
            usage = _tree_usage(self._process)
            self.peak = max(self.peak, sum(rss for rss, _ in usage.values()))
            self.max_processes = max(self.max_processes, len(usage))
            for pid, (_, cpu) in usage.items():
                self._cpu[pid] = max(cpu, self._cpu.get(pid, 0.0))
            self.samples += 1
            self._stop.wait(self._interval)

    def __enter__(self) -> TreeSampler:
        # CPU times are cumulative: what the tree's processes had used before the window does not count.
        self._cpu0 = {pid: cpu for pid, (_, cpu) in _tree_usage(self._process).items()}
        self._busy0, self._wall0 = machine_busy_seconds(), time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_seconds = sum(max(0.0, cpu - self._cpu0.get(pid, 0.0)) for pid, cpu in self._cpu.items())
        wall = max(time.perf_counter() - self._wall0, 1e-6)
        other = machine_busy_seconds() - self._busy0 - self.cpu_seconds
        self.background_load = max(0.0, other / (wall * (os.cpu_count() or 1)))


@dataclass
class RunResult:
    """One measured subprocess run."""

    argv: list[str]
    seconds: float
    peak_rss: int
    returncode: int
    stdout: str
    stderr_tail: str
    samples: int
    max_processes: int
    cpu_seconds: float = 0.0
    background_load: float = 0.0
    peak_pss: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def json_lines(self) -> list[dict[str, Any]]:
        """The stdout lines that parse as JSON objects."""
        out = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out

    def last_json(self, event: str) -> dict[str, Any]:
        """The last JSON line whose ``event`` is ``event`` (empty dict if none)."""
        found = [obj for obj in self.json_lines() if obj.get("event") == event]
        return found[-1] if found else {}


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for measured subprocesses: no DocMind settings leak in from outside.

    DocMind runs keyword-only (``DOCMIND_EMBED=off``) unless ``extra`` says otherwise: the
    ``embed`` and ``quality`` groups pass ``DOCMIND_EMBED="on"``. Ray (the ``ray`` group) stays on
    loopback, and its head on this machine asks for no token (``RAY_AUTH_MODE=disabled``: the head
    and its drivers are this user's processes) and ships no copy of the checkout to its workers.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCMIND_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["DOCMIND_EMBED"] = "off"
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    env["RAY_AUTH_MODE"] = "disabled"
    env["RAY_ENABLE_UV_RUN_RUNTIME_ENV"] = "0"  # under `uv run`, Ray would ship the whole checkout
    env.update(extra)
    return env


def run_measured(
    argv: Sequence[str], *, log_dir: Path, name: str, env: dict[str, str] | None = None, timeout: float = 900
) -> RunResult:
    """Run ``argv`` (cwd: the repo root) to completion; return wall time, peak tree RSS and output."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=REPO, env=env or bench_env(), stdout=out, stderr=err)
        with TreeSampler(proc.pid) as sampler:
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                returncode = proc.wait()
        seconds = time.perf_counter() - started
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    return RunResult(
        argv=list(argv),
        seconds=seconds,
        peak_rss=sampler.peak,
        returncode=returncode,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr_tail=stderr[-2000:],
        samples=sampler.samples,
        max_processes=sampler.max_processes,
        cpu_seconds=sampler.cpu_seconds,
        background_load=sampler.background_load,
        peak_pss=sampler.peak_pss,
    )


def wait_for_quiet(max_wait: float = 180.0, threshold: float = 0.15, settle: int = 3) -> float:
    """Wait until other processes leave the CPUs idle (``settle`` 1-s samples under ``threshold``).

    Other workloads may share the machine; a benchmark measured under their load is not
    comparable. Returns the seconds waited (gives up after ``max_wait``; the figures then record
    the background load they saw).
    """
    started = time.monotonic()
    quiet = 0
    while quiet < settle and time.monotonic() - started < max_wait:
        quiet = quiet + 1 if psutil.cpu_percent(interval=1.0) / 100 < threshold else 0
    return time.monotonic() - started


def docmind_argv(*args: str) -> list[str]:
    """``docmind ARGS`` run with this interpreter, exactly as the CLI contract says."""
    return [sys.executable, "-m", "docmind.cli.main", *args]


def median(values: Sequence[float]) -> float:
    """The median (``nan`` for no values)."""
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation (``nan`` for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mib(n_bytes: float) -> float:
    """Bytes to MiB, rounded to 0.1."""
    return round(n_bytes / (1024 * 1024), 1)
