"""Ctrl-C on ``uv run docmind ingest DIR --executor ray``, sent the way a terminal sends it.

The README's command runs through ``uv run`` in a process group of its own, as a shell runs a
foreground job, and SIGINT goes to the whole group (``uv`` then forwards one more to the command, as it
does in a terminal). The signal comes at moments spread over the job, on a Ray runtime the command
starts and on a cluster it joins (``--ray-address``, a head node on loopback started here): 1 s after
the start (the command still imports), while Ray starts or is joined, while Ray parses, while the
model embeds on Ray, while the index is built, and as the snapshot is published. Every time:

- exit 130 and exactly one line on stderr, the cancel's (or, when the job finished first, exit 0, the
  summary and nothing on stderr): no traceback, no stack dump from Ray's core;
- the job recorded Cancelled (or Succeeded), exactly one job;
- nothing half-published: ``docmind verify`` passes, no snapshot after a cancel;
- no process the command started (directly or not: uv, the command, its worker server and workers,
  the runtime's processes, the cluster's workers for this job) left after ``STRAGGLER_TIMEOUT``,
  but Ray's two agents, which must be gone within ``AGENT_TIMEOUT`` (docs/specs/scale-out.md).

The time from the signal to the exit is measured and printed for each trial (``-s`` shows it); its
3 s bound (FR-041) is the benchmark figure ``ray_ctrl_c``: on a loaded machine the command's own
imports, before there is a job to cancel, take longer than that.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.reliability_support import LineReader, json_events
from tests.support.cli import docmind_env, run_docmind
from tests.support.datadir import assert_store_whole
from tests.support.process_tree import ProcessTree, Seen, wait_gone
from tests.support.prose import write_prose
from tests.support.ray_head import RayHead, head_env, ray_head
from tests.support.slow_texts import write_slow_texts

REPO = Path(__file__).resolve().parents[2]
CANCELLED_LINE = "docmind: ingestion cancelled; nothing was published"
JOB_TIMEOUT = 600.0
"""Generous: a Ray runtime's start alone took 35 s with both cores busy."""
STRAGGLER_TIMEOUT = 20.0
AGENT_TIMEOUT = 90.0
"""Ray's agents report a killed raylet's death to the (dead) cluster store with a 60 s timeout."""


@dataclass(frozen=True)
class Moment:
    """When the signal is sent: ``arrived(line, elapsed)`` is true on the first stdout line at or after it."""

    name: str
    arrived: Callable[[dict, float], bool]


def _phase(name: str, **counts: int) -> Callable[[dict, float], bool]:
    def arrived(event: dict, _: float) -> bool:
        got = event.get("counts", {})
        return event.get("phase") == name and all(got.get(k, 0) >= v for k, v in counts.items())

    return arrived


AFTER_1S = Moment("1 s after the start", lambda _, elapsed: elapsed >= 1.0)
CONNECTING = Moment("connecting to Ray", lambda event, _: event.get("message") == "connecting to Ray")
PARSING = Moment("parsing on Ray", _phase("parse", files_done=1))
EMBEDDING = Moment("embedding on Ray", _phase("embed"))
INDEXING = Moment("building the index", _phase("index"))
PUBLISHING = Moment("publishing", _phase("publish"))


@dataclass
class Trial:
    """What one Ctrl-C did."""

    moment: str
    code: int
    exit_s: float
    stdout: list[str]
    stderr: list[str]
    agents: list[Seen]

    def report(self) -> str:
        """One line for the test's output."""
        return f"[ctrl-c] {self.moment}: exit {self.code} after {self.exit_s:.2f} s"


class Agents:
    """Ray agents the trials left, each with the moment its command exited."""

    def __init__(self) -> None:
        self.left: list[tuple[float, Seen]] = []

    def add(self, trial: Trial) -> None:
        """Remember the agents of ``trial`` (they may outlive it for about a minute)."""
        now = time.monotonic()
        self.left.extend((now, agent) for agent in trial.agents)


@pytest.fixture(scope="module")
def agents() -> Iterator[Agents]:
    """At the end of the module, every Ray agent a trial left has ended within ``AGENT_TIMEOUT``."""
    collected = Agents()
    yield collected
    for exited, agent in collected.left:
        remaining = max(0.0, exited + AGENT_TIMEOUT - time.monotonic())
        assert not wait_gone([agent], remaining), f"a Ray agent outlived its command by a minute: {agent}"


@pytest.fixture(scope="module")
def slow_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Long texts: each takes a Ray worker seconds, so a signal finds files in flight."""
    return write_slow_texts(tmp_path_factory.mktemp("slow") / "docs", count=4)[0].parent


@pytest.fixture(scope="module")
def prose_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Short real-language texts: quick to embed, for the moments after parsing."""
    return write_prose(tmp_path_factory.mktemp("prose") / "docs")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayHead]:
    with ray_head(cpus=2, log=tmp_path_factory.mktemp("head") / "head.log") as head:
        yield head


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run pytest` names itself in UV
    assert uv, "uv is needed: the README's command is `uv run docmind …` (run the tests with `uv run`)"
    return uv


def _ctrl_c(data: Path, docs: Path, moment: Moment, *flags: str, embed: bool, head: RayHead | None) -> Trial:
    """Run the command, send SIGINT to its group at ``moment``, and check what every trial must hold."""
    argv = [_uv(), "run", "--quiet", "docmind", "ingest", str(docs), "--only", "--json", *flags]
    env = docmind_env(data, DOCMIND_EMBED="on" if embed else "off")
    if head is not None:
        env |= head_env()
    tree = ProcessTree([head.raylet()] if head is not None else []).start()  # its workers before: not ours
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    tree.add_root(proc.pid)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = LineReader(proc.stdout, "stdout"), LineReader(proc.stderr, "stderr")
    try:
        out.wait_for(lambda line: _at(moment, line, started), JOB_TIMEOUT, seen_ok=True)
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):  # the command had ended: the job finished first
            os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(JOB_TIMEOUT)
        exit_s = time.monotonic() - sent
        out.drain(10)
        err.drain(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    seen = tree.stop()
    trial = Trial(moment.name, code, exit_s, out.lines, err.lines, [p for p in seen if p.is_ray_agent()])
    print(trial.report(), flush=True)
    stragglers = wait_gone([p for p in seen if not p.is_ray_agent()], STRAGGLER_TIMEOUT)
    assert not stragglers, f"{moment.name}: processes left behind: {stragglers}"
    _check_outcome(data, trial)
    return trial


def _at(moment: Moment, line: str, started: float) -> bool:
    events = json_events([line])
    return moment.arrived(events[0] if events else {}, time.monotonic() - started)


def _check_outcome(data: Path, trial: Trial) -> None:
    jobs = json.loads(run_docmind(data, "jobs", "--json").stdout)
    summaries = [e for e in json_events(trial.stdout) if e.get("event") == "summary"]
    verify = run_docmind(data, "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    if trial.code == 0:  # the job had finished when the signal came: no cancel was due
        assert (trial.stderr, [job["state"] for job in jobs]) == ([], ["Succeeded"]), trial
        assert len(summaries) == 1 and assert_store_whole(data) == summaries[0]["snapshot_id"]
        return
    assert trial.code == 130, f"{trial.moment}: exit {trial.code}\n" + "\n".join(trial.stderr)
    assert trial.stderr == [CANCELLED_LINE], f"{trial.moment}:\n" + "\n".join(trial.stderr)
    assert [job["state"] for job in jobs] == ["Cancelled"]
    assert summaries == [] and assert_store_whole(data) is None  # nothing was published


LOCAL_MOMENTS = [
    (AFTER_1S, "prose", True),
    (CONNECTING, "slow", False),
    (PARSING, "slow", False),
    (EMBEDDING, "prose", True),
    (INDEXING, "slow", False),
    (PUBLISHING, "prose", True),
]
CLUSTER_MOMENTS = [
    (CONNECTING, "slow", False),
    (PARSING, "slow", False),
    (EMBEDDING, "prose", True),
    (INDEXING, "slow", False),
    (PUBLISHING, "prose", True),
]


@pytest.mark.parametrize(("moment", "corpus", "embed"), LOCAL_MOMENTS, ids=lambda v: getattr(v, "name", v))
def test_ctrl_c_on_a_ray_runtime_the_command_started(
    request: pytest.FixtureRequest, agents: Agents, tmp_path: Path, moment: Moment, corpus: str, embed: bool
) -> None:
    docs = request.getfixturevalue(f"{corpus}_docs")
    agents.add(_ctrl_c(tmp_path / "data", docs, moment, "--executor", "ray", embed=embed, head=None))


@pytest.mark.parametrize(("moment", "corpus", "embed"), CLUSTER_MOMENTS, ids=lambda v: getattr(v, "name", v))
def test_ctrl_c_on_a_ray_cluster_the_command_joined(
    request: pytest.FixtureRequest,
    agents: Agents,
    cluster: RayHead,
    tmp_path: Path,
    moment: Moment,
    corpus: str,
    embed: bool,
) -> None:
    docs = request.getfixturevalue(f"{corpus}_docs")
    flags = ("--ray-address", cluster.address)
    trial = _ctrl_c(tmp_path / "data", docs, moment, *flags, embed=embed, head=cluster)
    assert trial.agents == [], "joining a cluster starts no Ray agent"
    agents.add(trial)
