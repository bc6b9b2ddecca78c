"""Races: many threads starting and cancelling ingestions on one manager, and the app and the CLI at once.

* Ten threads start, cancel and wait for ingestions against one `DocMind` for ``DOCMIND_RACE_SECONDS``
  (30 s; 120 s under DOCMIND_SOAK=1), sometimes changing the corpus. Never two writers: the engine entry is
  instrumented to count concurrent runs, the jobs' Running intervals never overlap, snapshot ids increase
  strictly in publish order and every published snapshot verifies. No deadlock: every thread and every job
  finishes by a deadline and every job is terminal. After `DocMind.close()` the threads and file
  descriptors are back to the baseline.
* The app (a `DocMind` in this process) and the CLI (a subprocess) are started on the same data dir at the
  same moment, and at seeded offsets: exactly one runs, the other is refused naming it (CLI exit 3, or
  `IngestionBusyError` in process).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import random
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from docmind.ingest import pipeline as pipeline_module
from docmind.service import DocMind, IngestionBusyError
from docmind.settings import Settings
from docmind_jobs import JobState
from docmind_snapshots import parse_snapshot_id

from tests.reliability.reliability_support import (
    SEED,
    pick_crash_moment,
    reap_group,
    seconds_setting,
    start_child,
    trials,
)
from tests.support.corpus import make_mixed_corpus, make_text
from tests.support.datadir import workspaces_left

RACE_SECONDS = seconds_setting("DOCMIND_RACE_SECONDS", 30.0, 120.0)
THREADS = 10
FD_SLACK = 4
SETTLE_TIMEOUT = 30.0
APP_CLI_ROUNDS = trials(4, 16)


def _thread_names() -> set[str]:
    return {f"{t.name}#{t.ident}" for t in threading.enumerate()}


def _settle(check: Callable[[], bool], timeout: float = SETTLE_TIMEOUT) -> bool:
    """Poll ``check`` until it holds or the deadline passes (threads and fds close asynchronously)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not check():
        if time.monotonic() >= deadline:
            return False
        gc.collect()
        pause.wait(0.05)
    return True


class WriterCounter:
    """Wraps the engine entry point and records how many runs were ever inside it at once."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self._real = real
        self._lock = threading.Lock()
        self.inside = 0
        self.max_inside = 0
        self.runs = 0

    def __call__(self, **kwargs: Any) -> Any:
        with self._lock:
            self.inside += 1
            self.runs += 1
            self.max_inside = max(self.max_inside, self.inside)
        try:
            return self._real(**kwargs)
        finally:
            with self._lock:
                self.inside -= 1


def test_racing_starts_and_cancels_never_make_two_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, data = tmp_path / "src", tmp_path / "data"
    make_mixed_corpus(src, pdfs=2, pages=2, texts=2, seed=21)
    settings = Settings(data_dir=data, workers=1, retention=100_000)  # keep every snapshot to verify it

    warm = DocMind(settings)  # warm-up: imports, this process's forkserver and resource tracker
    assert warm.jobs.wait(warm.start_ingestion([src]), timeout=180).state is JobState.SUCCEEDED
    warm.close()
    del warm
    gc.collect()
    baseline_threads = _thread_names()
    baseline_fds = psutil.Process().num_fds()

    counter = WriterCounter(pipeline_module.run_ingestion)
    monkeypatch.setattr(pipeline_module, "run_ingestion", counter)
    service = DocMind(settings)
    started: list[str] = []
    refusals: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS, timeout=60)
    deadline = time.monotonic() + RACE_SECONDS

    def racer(number: int) -> None:
        rng = random.Random(SEED * 31 + number)
        barrier.wait()
        while time.monotonic() < deadline:
            roll = rng.random()
            with lock:
                known = list(started)
            if roll < 0.03:
                name = f"added-{number}-{rng.randrange(10**9)}.md"
                make_text(tmp_path / f".{name}", paragraphs=2, seed=rng.randrange(10**6))
                (tmp_path / f".{name}").replace(src / name)  # appears whole: the scan never sees half a file
            elif roll < 0.43:
                if service.active_ingestion() is None:
                    # Something to publish (an unchanged corpus publishes nothing) that needs no parsing:
                    # an unsupported file is listed as skipped, and the active index is linked.
                    (src / f"skipped-{number}-{rng.randrange(10**9)}.dat").write_bytes(b"not a document")
                try:
                    job_id = service.start_ingestion([src], owner=f"racer-{number}")
                except IngestionBusyError as exc:
                    with lock:
                        refusals.append(str(exc))
                else:
                    with lock:
                        started.append(job_id)
            elif roll < 0.57 and known:
                target = rng.choice(known[-3:]) if rng.random() < 0.8 else rng.choice(known)
                service.jobs.cancel(target)
            elif known:
                with contextlib.suppress(TimeoutError):
                    service.jobs.wait(rng.choice(known[-2:]), timeout=rng.uniform(0, 0.3))

    def guarded(number: int) -> None:
        try:
            racer(number)
        except BaseException as exc:  # reported by the main thread
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,), name=f"racer-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline + 60 - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], "deadlock: racer threads still running"
    assert not failures, failures

    records = [service.jobs.wait(job_id, timeout=60) for job_id in started]  # TimeoutError = deadlock
    assert all(r.state.is_terminal for r in records)
    assert {r.state for r in service.jobs.list(limit=10_000)} <= {
        JobState.SUCCEEDED,
        JobState.CANCELLED,
        JobState.FAILED,
    }
    assert counter.max_inside == 1, f"{counter.max_inside} ingestions wrote at once"
    assert all("another job is already working" in text and re.search(r"job [0-9a-f]{12}", text)
               for text in refusals), refusals[:3]  # fmt: skip
    failed = [r for r in records if r.state is JobState.FAILED]
    assert not failed, [r.error for r in failed][:3]

    ran = sorted((r for r in records if r.started is not None), key=lambda r: r.started or r.created)
    for before, after in itertools.pairwise(ran):
        assert before.finished is not None and after.started is not None
        assert after.started >= before.finished, f"jobs {before.id} and {after.id} overlapped"
    # Published means Succeeded, and Cancelled means nothing was published: a cancel that lands once the
    # publish began (any moment of this race) never turns a published snapshot into a Cancelled job.
    # A run that found nothing changed ends Succeeded with the active snapshot's id and no new snapshot.
    published = sorted(
        (r for r in records if r.result and r.progress and r.progress.counts.get("changed", 1)),
        key=lambda r: r.finished or r.created,
    )
    assert {r.state for r in published} <= {JobState.SUCCEEDED}
    assert all(r.result is None for r in records if r.state is JobState.CANCELLED)
    counters = [parse_snapshot_id(r.result or "").counter for r in published]
    assert counters == sorted(set(counters)), "snapshot ids must increase strictly in publish order"
    for record in published:
        assert service.store.verify(record.result or "").ok, record.result
    current = service.store.current()
    assert published and current is not None and current.id == published[-1].result
    cancelled = sum(r.state is JobState.CANCELLED for r in records)
    cancelled_late = sum(r.cancel_requested for r in published)
    print(
        f"race: {len(records)} jobs ({len(published)} published, of which {cancelled_late} with a cancel "
        f"requested too late; {cancelled} cancelled), {len(refusals)} refusals, {counter.runs} engine runs "
        f"in {RACE_SECONDS:.0f}s"
    )
    assert len(published) >= 2 and cancelled >= 1, "the race exercised too little"

    service.close()
    assert _settle(lambda: _thread_names() <= baseline_threads), _thread_names() - baseline_threads
    assert _settle(lambda: psutil.Process().num_fds() <= baseline_fds + FD_SLACK), (
        f"file descriptors: {psutil.Process().num_fds()} after close, {baseline_fds} before"
    )
    assert workspaces_left(data) == []


def test_app_and_cli_started_together_exactly_one_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, data = tmp_path / "src", tmp_path / "data"
    make_mixed_corpus(src, pdfs=1, pages=2, texts=2, seed=23)
    gate = threading.Event()
    real = pipeline_module.run_ingestion

    def gated(**kwargs: Any) -> Any:
        assert gate.wait(120), "gate never opened"
        return real(**kwargs)

    service = DocMind(Settings(data_dir=data, workers=1))
    try:
        gate.set()
        assert service.jobs.wait(service.start_ingestion([src]), timeout=180).state is JobState.SUCCEEDED
        monkeypatch.setattr(pipeline_module, "run_ingestion", gated)
        rng = random.Random(SEED)
        winners: list[str] = []
        for number in range(APP_CLI_ROUNDS):
            make_text(src / f"round-{number}.md", seed=number)  # a change to publish in every round
            gate.clear()
            argv = ("ingest", str(src), "--json", "--data-dir", str(data))
            child = start_child(data, *argv, RELIABILITY_PAUSE_AT="commit.1")  # a winning CLI holds the index
            try:
                if number == 1:  # the CLI surely first: wait until it holds the index
                    child.err.wait_for(lambda line: line.startswith("PAUSED"), 120)
                elif number > 1:
                    pick_crash_moment(rng.uniform(0, 1.5))  # a seeded offset around the CLI's own start
                try:
                    job_id = service.start_ingestion([src], owner="app")
                except IngestionBusyError as exc:
                    winners.append("cli")
                    assert f"pid {child.pid}" in str(exc) and "owner cli" in str(exc), str(exc)
                    child.err.wait_for(lambda line: line.startswith("PAUSED"), 120, seen_ok=True)
                    child.release()
                    assert child.wait(120) == 0, child.err.text()
                else:
                    winners.append("app")
                    code = child.wait(120)  # our job is Running (held at the gate) the whole time
                    gate.set()
                    assert code == 3, f"CLI exit {code}: {child.err.text()}"
                    assert job_id in child.err.text() and "another" in child.err.text(), child.err.text()
                    assert "Traceback" not in child.err.text()
                    record = service.jobs.wait(job_id, timeout=120)
                    assert record.state is JobState.SUCCEEDED, record
            finally:
                gate.set()
                reap_group(child)
            assert workspaces_left(data) == []
        assert {"app", "cli"} <= set(winners), winners
        jobs = service.jobs.list(limit=100)
        assert all(r.state.is_terminal for r in jobs)
        published = [r for r in jobs if r.state is JobState.SUCCEEDED]
        assert len(published) == APP_CLI_ROUNDS + 1  # the first run plus exactly one per round
    finally:
        gate.set()
        service.close()
