"""Crash trials at the application level: the real ``docmind ingest`` is SIGKILLed mid-job, then reopened.

Two families of trials share one generated corpus per module and reuse one data dir across trials:

* **Random moments** (20 trials, 200 under DOCMIND_SOAK=1): each trial targets a phase (scan, parse, index,
  publish, in turn), waits for that phase in the ``--json`` progress lines and kills after a seeded random
  delay. Parse trials add fresh documents (real parsing in worker processes), index and publish trials add
  or remove a twin file (nothing to parse, but the index is rebuilt and committed), scan trials add fresh
  documents or change nothing (a run that finds nothing changed publishes nothing). Half the trials kill
  the whole process group (forkserver and workers die too), half kill only the CLI process and leave its
  workers orphaned while the data dir is reopened.
* **Chosen commit steps**: `cli_child.py` pauses the real CLI at a `docmind_snapshots.fsops` checkpoint
  (every numbered commit step, the CURRENT temp file before its replace, retention's trash rename) and the
  trial kills it there — the publish-phase crash points a random delay only hits by luck.

After every kill: reopening recovers, ``docmind verify`` exits 0, the active snapshot is the previous one or
the new complete one, no workspace remains, the job is Interrupted (or Succeeded when the kill came after
the job had ended), and the next ingestion succeeds, taking finished files from the cache.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docmind.ingest.index.listing import read_listing

from tests.reliability.reliability_support import (
    SEED,
    cli,
    json_events,
    newest_job,
    pick_crash_moment,
    running_child,
    trials,
)
from tests.support.cli import run_docmind
from tests.support.corpus import make_mixed_corpus, make_pdf, make_text
from tests.support.datadir import workspaces_left

PHASES = ("scan", "parse", "index", "publish")
RANDOM_TRIALS = trials(20, 200)
CHECKPOINT_ROUNDS = trials(1, 3)
LINE_TIMEOUT = 180.0
TERMINAL = {"Succeeded", "Failed", "Cancelled", "Interrupted"}

# (pause spec for cli_child.py, whether the new snapshot is active after the crash)
COMMIT_STEPS: list[tuple[str, bool]] = [
    ("commit.1", False),
    ("commit.2", False),
    ("commit.3", False),
    ("commit.4", False),
    ("commit.5", False),
    ("commit.6", False),
    ("commit.6,atomic_write.before_replace", False),
    ("commit.7", True),
    ("commit.8", True),
    ("commit.8,delete.trashed", True),
]


@pytest.fixture(scope="module")
def crash_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real corpus (3 three-page PDFs, Markdown, text, HTML), generated once per module."""
    root = tmp_path_factory.mktemp("crash-corpus")
    make_mixed_corpus(root, pdfs=3, pages=3, texts=3, seed=11)
    return root


@dataclass(frozen=True)
class Plan:
    """One random trial: which phase to wait for, how long to wait after it, what to change, how to kill."""

    number: int
    phase: str
    delay: float
    change: str  # "none" | "fresh" (new documents to parse) | "twin" (index rebuilt, nothing to parse)
    after_finished_file: bool
    kill_group: bool
    subprocess_checks: bool


def plan_trial(number: int, rng: random.Random) -> Plan:
    phase = PHASES[number % len(PHASES)]
    after_finished = False
    if phase == "parse":
        change = "fresh"
        after_finished = rng.random() < 0.5
        delay = rng.uniform(0, 0.15) if after_finished else rng.uniform(0, 0.8)
    elif phase == "index":
        change, delay = "twin", rng.uniform(0, 1.0)
    elif phase == "publish":
        change, delay = "twin", rng.uniform(0, 0.05)
    else:
        change, delay = rng.choice(("fresh", "none")), rng.uniform(0, 0.2)
    return Plan(
        number=number,
        phase=phase,
        delay=delay,
        change=change,
        after_finished_file=after_finished,
        kill_group=rng.random() < 0.5,
        subprocess_checks=number % 5 == 4,  # every fifth trial, across all phases
    )


def _fresh_done(event: dict[str, Any]) -> int:
    counts = event.get("counts") or {}
    return int(counts.get("files_done", 0) - counts.get("files_cached", 0) - counts.get("files_failed", 0))


def _matches(plan: Plan, line: str) -> bool:
    if not line.startswith("{"):
        return False
    event = json.loads(line)
    if plan.after_finished_file:  # progress is throttled: the event may already belong to a later phase
        return _fresh_done(event) >= 1
    return event.get("phase") == plan.phase


def _apply_change(plan: Plan, src: Path, corpus: Path) -> int:
    """Change the source tree as planned; return how many files are new (not in the cache)."""
    if plan.change == "fresh":
        make_pdf(src / f"fresh-{plan.number:04d}.pdf", pages=4, seed=SEED + plan.number)
        make_text(src / f"fresh-{plan.number:04d}.txt", paragraphs=8, seed=SEED + plan.number)
        return 2
    if plan.change == "twin":
        twin = src / "twin.md"
        if twin.exists():
            twin.unlink()
        else:
            shutil.copyfile(next(corpus.glob("*.md")), twin)  # same content under a second name: cached
    return 0


def snapshot_ids(data: Path) -> set[str]:
    folder = data / "index" / "snapshots"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def verify(data: Path, *, in_subprocess: bool) -> dict[str, Any]:
    """``docmind verify --json`` (reopening runs recovery first); asserts exit 0 and returns the report."""
    if in_subprocess:
        result = run_docmind(data, "verify", "--json")
        code, out, err = result.returncode, result.stdout, result.stderr
    else:
        done = cli("verify", "--json", "--data-dir", str(data))
        code, out, err = done.code, done.stdout, done.stderr
    assert code == 0, f"docmind verify failed ({code}):\n{out}\n{err}"
    assert "Traceback" not in err, err
    report = json.loads(out)
    assert report["ok"] is True, report
    return report


def assert_lists_corpus(data: Path, snapshot_id: str, src: Path) -> None:
    """The snapshot's listing names every file of ``src``, each indexed or cached."""
    listing = read_listing(data / "index" / "snapshots" / snapshot_id)
    statuses = {f.path: f.status.value for f in listing.files}
    assert set(statuses) == {f"src/{p.name}" for p in src.iterdir() if p.is_file()}
    assert set(statuses.values()) <= {"indexed", "cached"}, statuses


def check_after_crash(
    data: Path, src: Path, previous: str | None, before: set[str], *, in_subprocess: bool
) -> tuple[str, str]:
    """The invariants after a kill; returns (active snapshot id, state of the killed job)."""
    report = verify(data, in_subprocess=in_subprocess)
    active = report["current"]
    assert workspaces_left(data) == [], workspaces_left(data)
    assert not list((data / "index").glob("CURRENT.tmp-*"))
    new = snapshot_ids(data) - before
    assert active == previous or active in new, (active, previous, new)
    for snapshot_id in new:  # a crash between commit steps 5 and 6 leaves a complete, inactive snapshot
        assert_lists_corpus(data, snapshot_id, src)
    job = newest_job(data)
    if job["state"] == "Succeeded":
        assert job["result"] == active, job
    else:
        assert job["state"] == "Interrupted", job
        assert "interrupted" in (job["error"] or ""), job
    jobs = json.loads(cli("jobs", "--json", "--data-dir", str(data)).stdout)
    assert {j["state"] for j in jobs} <= TERMINAL, jobs
    return active, job["state"]


def ingest_in_process(data: Path, src: Path) -> dict[str, Any]:
    result = cli("ingest", str(src), "--json", "--data-dir", str(data))
    assert result.code == 0, f"ingest failed ({result.code}): {result.stderr}"
    summary = result.json()
    assert summary["event"] == "summary" and summary["snapshot_id"]
    return summary


def test_sigkill_at_random_moments_in_every_phase(crash_corpus: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    data, src = tmp_path / "data", tmp_path / "src"
    shutil.copytree(crash_corpus, src)
    active: str | None = ingest_in_process(data, src)["snapshot_id"]  # also warms this process's forkserver
    outcomes: Counter[tuple[str, str, bool]] = Counter()
    for number in range(RANDOM_TRIALS):
        plan = plan_trial(number, rng)
        context = f"seed {SEED}, {plan}"
        before = snapshot_ids(data)
        fresh = _apply_change(plan, src, crash_corpus)
        total = sum(1 for p in src.iterdir() if p.is_file())
        argv = ("ingest", str(src), "--json", "--data-dir", str(data))
        with running_child(data, *argv) as child:
            child.out.wait_for(lambda line, plan=plan: _matches(plan, line), LINE_TIMEOUT)
            pick_crash_moment(plan.delay)
            if plan.kill_group:
                os.killpg(child.pid, signal.SIGKILL)  # the whole program dies: CLI, forkserver, workers
            else:
                child.proc.send_signal(signal.SIGKILL)  # only the CLI: its workers are orphaned
            child.proc.wait(30)
            # Orphaned workers may keep the pipe open: read what the dead CLI wrote, do not wait for EOF.
            child.out.drain(5 if plan.kill_group else 0.5)
            events = json_events(child.out.lines)
            finished = max((_fresh_done(e) for e in events if e.get("event") == "progress"), default=0)
            # With kill_group False the CLI's workers may still be running: the checks race with them.
            try:
                active_now, state = check_after_crash(
                    data, src, active, before, in_subprocess=plan.subprocess_checks
                )
            except AssertionError as exc:
                output = f"{child.out.text()}\n{child.err.text()}"
                raise AssertionError(f"{context}: {exc}\nCLI output:\n{output}") from exc
        outcomes[(plan.phase, state, active_now != active)] += 1
        summary = ingest_in_process(data, src)
        assert summary["files_cached"] + summary["files_indexed"] == total, (context, summary)
        assert summary["files_cached"] >= total - fresh + finished, (context, finished, summary)
        assert summary["files_cached"] > 0, (context, summary)
        active = summary["snapshot_id"]
    print(f"crash trials (phase, job state, new snapshot active): {dict(outcomes)}")
    assert {phase for phase, _, _ in outcomes} == set(PHASES)
    interrupted = sum(n for (_, state, _), n in outcomes.items() if state == "Interrupted")
    assert interrupted >= RANDOM_TRIALS // 4, f"too few kills landed while the job ran: {outcomes}"


def test_sigkill_at_each_commit_step(crash_corpus: Path, tmp_path: Path) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    shutil.copytree(crash_corpus, src)
    active: str | None = None
    # Each run adds or removes a twin file: an unchanged corpus would publish nothing.
    twin = Plan(0, "publish", 0, "twin", after_finished_file=False, kill_group=True, subprocess_checks=False)
    for _ in range(7):  # more snapshots than retention keeps, so a commit's retention deletes one
        _apply_change(twin, src, crash_corpus)
        active = ingest_in_process(data, src)["snapshot_id"]
    for _round in range(CHECKPOINT_ROUNDS):
        for spec, new_is_active in COMMIT_STEPS:
            _apply_change(twin, src, crash_corpus)
            total = sum(1 for p in src.iterdir() if p.is_file())
            before = snapshot_ids(data)
            argv = ("ingest", str(src), "--json", "--data-dir", str(data))
            with running_child(data, *argv, RELIABILITY_PAUSE_AT=spec) as child:
                child.err.wait_for(lambda line: line.startswith("PAUSED "), LINE_TIMEOUT)
                os.killpg(child.pid, signal.SIGKILL)
                child.proc.wait(30)
            active_now, state = check_after_crash(data, src, active, before, in_subprocess=False)
            assert state == "Interrupted", spec
            new = snapshot_ids(data) - before
            if new_is_active:
                assert active_now in new, (spec, active_now, new)
            else:
                assert active_now == active, (spec, active_now, active)
                assert len(new) == (1 if spec.startswith("commit.6") else 0), (spec, new)
            if spec.endswith("delete.trashed"):
                assert not list((data / "index" / "tmp").iterdir())
            summary = ingest_in_process(data, src)
            assert summary["files_cached"] == total, (spec, summary)
            active = summary["snapshot_id"]
