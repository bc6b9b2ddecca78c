"""Signals: SIGTERM and SIGINT to the CLI and to a real Streamlit server while an ingestion runs.

* The CLI (``docmind ingest --json`` in a subprocess) gets the signal in the parse phase (fresh PDFs being
  parsed by workers) or the index phase (the index being rebuilt in a worker): it exits 130 within 3 s
  (FR-041), says nothing was published, the job is recorded Cancelled, the active snapshot is unchanged and
  verifies, no workspace remains, and no process of its group outlives it.
* The whole process group of the CLI gets the signal (a terminal's Ctrl-C, ``docker stop``, systemd) at
  fixed moments from 0.2 s to 6 s after the start — while the CLI imports, opens the data dir, starts the
  forkserver, parses: every time it exits 130 within 3 s with exactly one line on stderr (no traceback
  from any process), the job is recorded Cancelled, nothing is published, no workspace is left, and no
  process of the group survives.
* SIGKILL of the CLI alone while a worker builds the index: the worker dies with it, so nothing re-creates
  the workspace that recovery removes.
* A real ``streamlit run`` of the app, driven by Chromium (``tests.support.browser``) through Playwright
  ("Start ingestion"), gets the signal while its job panel shows Running and a worker is held just
  before it writes a segment (``tests/support/pause_site``: the job cannot finish first): the server
  exits within 3 s, the job is recorded Cancelled or Interrupted (never left Running), and the
  reopened data dir holds no workspace.
* A cancel that arrives once the snapshot is being published (during the commit, or after it and before
  the worker pool closes) on a run that rebuilt its index: the job is Succeeded with its snapshot, never
  Cancelled ("nothing was published") while its snapshot became active.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind.service import DocMind
from docmind.settings import Settings
from docmind_jobs import JobState
from docmind_snapshots import SnapshotStore, Workspace, fsops, is_temporary

from e2e.server import StreamlitServer
from tests.reliability.reliability_support import (
    HANG_LIMIT,
    REPO,
    SOAK,
    cli,
    group_members,
    json_events,
    kill_group,
    newest_job,
    pick_crash_moment,
    running_child,
    wait_group_gone,
)
from tests.support.browser import chromium_executable
from tests.support.corpus import make_mixed_corpus, make_pdf
from tests.support.datadir import assert_store_whole, workspaces_left
from tests.support.fifo_gate import release

CLI_CASES = [("SIGTERM", "parse"), ("SIGINT", "index")]
if SOAK:
    CLI_CASES += [("SIGINT", "parse"), ("SIGTERM", "index")] * 2
GROUP_MOMENTS = (0.2, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
"""Seconds after the CLI starts: importing, opening the data dir, starting the forkserver, parsing."""
LONG_CORPUS_COPIES = 240
SERVER_SIGNALS = ["SIGTERM", "SIGINT"]
PAUSE_SITE = REPO / "tests" / "support" / "pause_site"
JOB_TIMEOUT = 180.0
STRAGGLER_TIMEOUT = 20.0
CANCELLED_LINE = "docmind: ingestion cancelled; nothing was published"


@pytest.fixture(scope="module")
def signal_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("signal-corpus")
    make_mixed_corpus(root, pdfs=2, pages=3, texts=2, seed=31)
    return root


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus that an ingestion is still parsing 6 s after the CLI started (9,600 PDF pages; a quiet
    machine parsed 3,200 in under 6 s, so the margin is wide).

    One generated 40-page PDF, copied with a distinct trailing comment each: every copy has its own
    content hash, so every copy is parsed.
    """
    root = tmp_path_factory.mktemp("long-corpus")
    template = make_pdf(root.parent / f"{root.name}-template.pdf", pages=40, seed=77).read_bytes()
    for number in range(LONG_CORPUS_COPIES):
        (root / f"copy-{number:03d}.pdf").write_bytes(template + f"\n%copy {number}\n".encode())
    return root


def _is_phase(phase: str, line: str) -> bool:
    return line.startswith("{") and json.loads(line).get("phase") == phase


@pytest.mark.parametrize(("signame", "phase"), CLI_CASES)
def test_cli_signal_mid_job_cancels(tmp_path: Path, signal_corpus: Path, signame: str, phase: str) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    shutil.copytree(signal_corpus, src)
    first = cli("ingest", str(src), "--json", "--data-dir", str(data))
    assert first.code == 0, first.stderr
    previous = first.json()["snapshot_id"]
    if phase == "parse":  # fresh, long PDFs: workers are busy parsing when the signal comes
        for number in range(3):
            make_pdf(src / f"fresh-{number}.pdf", pages=15, seed=700 + number)
    else:  # same content under a new name: nothing to parse, but the index is rebuilt in a worker
        shutil.copyfile(next(src.glob("*.md")), src / "twin.md")
    argv = ("ingest", str(src), "--json", "--data-dir", str(data))
    with running_child(data, *argv) as child:
        child.out.wait_for(lambda line: _is_phase(phase, line), JOB_TIMEOUT)
        child.proc.send_signal(getattr(signal, signame))
        code = child.proc.wait(HANG_LIMIT)
        # A forkserver still importing when the CLI left exits on its own once it notices: give it time.
        stragglers = wait_group_gone(child.pid, STRAGGLER_TIMEOUT)
        child.err.drain(5)
        assert not stragglers, f"processes left behind: {[p.pid for p in stragglers]}"
        assert code == 130, f"exit {code}\n{child.err.text()}"
        assert "ingestion cancelled; nothing was published" in child.err.text()
        assert "Traceback" not in child.err.text(), child.err.text()
    job = newest_job(data)
    assert job["state"] == "Cancelled", job
    assert assert_store_whole(data) == previous
    verify = cli("verify", "--json", "--data-dir", str(data))
    assert verify.code == 0 and json.loads(verify.stdout)["current"] == previous


@pytest.mark.parametrize("moment", GROUP_MOMENTS)
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_cli_group_signal_at_any_moment_cancels_in_one_line(
    tmp_path: Path, long_corpus: Path, signame: str, moment: float
) -> None:
    data = tmp_path / "data"
    with running_child(data, "ingest", str(long_corpus), "--json") as child:
        pick_crash_moment(moment - (time.monotonic() - child.started))
        os.killpg(child.pid, getattr(signal, signame))  # the whole group: the CLI, forkserver and workers
        code = child.proc.wait(HANG_LIMIT)
        stragglers = wait_group_gone(child.pid, STRAGGLER_TIMEOUT)
        child.out.drain(5)
        child.err.drain(5)
        left = workspaces_left(data)  # before anything reopens the store (its recovery removes workspaces)
        temporary = [p for p in data.rglob("*") if is_temporary(p.name)]  # cache writes cut short by kills
    assert code == 130, f"exit {code}\n{child.err.text()}"
    assert child.err.lines == [CANCELLED_LINE], child.err.text()
    assert not [e for e in json_events(child.out.lines) if e.get("event") == "summary"]
    assert not stragglers, f"processes left behind: {[p.pid for p in stragglers]}"
    assert left == [] and temporary == [], (left, temporary)  # no temporary file left
    assert newest_job(data)["state"] == "Cancelled"
    assert assert_store_whole(data) is None  # nothing was published


def test_sigkill_of_the_cli_mid_index_build_leaves_no_process_and_no_workspace(
    tmp_path: Path, signal_corpus: Path
) -> None:
    data, src, gate = tmp_path / "data", tmp_path / "src", tmp_path / "gate"
    shutil.copytree(signal_corpus, src)
    first = cli("ingest", str(src), "--json", "--data-dir", str(data))
    assert first.code == 0, first.stderr
    shutil.copyfile(next(src.glob("*.md")), src / "twin.md")  # nothing to parse: the index is rebuilt
    os.mkfifo(gate)
    argv = ("ingest", str(src), "--json", "--data-dir", str(data))
    instrumented = {
        "RELIABILITY_WORKER_PRELOAD": "tests.support.index_write_pause",
        "DOCMIND_TEST_GATE": str(gate),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    with running_child(data, *argv, **instrumented) as child:
        child.err.wait_for(lambda line: line == "PAUSED index.write", JOB_TIMEOUT)  # a worker is mid-build
        assert workspaces_left(data), "the build writes into a workspace"
        os.kill(child.pid, signal.SIGKILL)  # the CLI alone: its workers are not signalled
        child.proc.wait(10)
        survivors = wait_group_gone(child.pid, STRAGGLER_TIMEOUT)
        SnapshotStore(data / "index")  # the next command's recovery removes the dead job's workspace ...
        release(gate)  # ... and a surviving worker would now go on writing the index into it
        late = wait_group_gone(child.pid, STRAGGLER_TIMEOUT)
        left = workspaces_left(data)
    assert not survivors, f"processes outlived the CLI: {[p.pid for p in survivors]}"
    assert not late and left == [], left
    assert newest_job(data)["state"] == "Interrupted"
    assert assert_store_whole(data) == first.json()["snapshot_id"]


# -- a real Streamlit server ------------------------------------------------------------------------------


@pytest.mark.parametrize("signame", SERVER_SIGNALS)
def test_streamlit_server_signal_mid_job(tmp_path: Path, signame: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_executable()
    data, gate = tmp_path / "data", tmp_path / "gate"
    documents = data / "documents"
    make_mixed_corpus(documents, pdfs=2, pages=3, texts=2, seed=41)
    os.mkfifo(gate)
    held = {  # the job's index build waits at the gate: the signal comes while the job surely runs
        "DOCMIND_TEST_GATE": str(gate),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PAUSE_SITE), str(REPO), os.environ.get("PYTHONPATH")])
        ),
    }
    server = StreamlitServer(data, tmp_path / "streamlit.log", env=held)
    group = 0
    try:
        server.start()
        group = server.pid
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--disable-gpu"])
            try:
                page = browser.new_page()
                page.goto(server.url)
                page.get_by_role("button", name="Start ingestion").click(timeout=60_000)
                expect(page.locator(".st-key-job_panel")).to_contain_text("Running", timeout=60_000)
                _wait_for(lambda: "PAUSED index.write" in server.log_text(), JOB_TIMEOUT)
                running = newest_job(data)
                assert running["state"] == "Running", running
                # The rest of the group (forkserver, workers) must end by itself: checked below.
                server.terminate(HANG_LIMIT, getattr(signal, signame), reap_group=False)
            finally:
                browser.close()
        release(gate)  # a worker that outlived the server would now go on writing
        job = newest_job(data)
        assert job["id"] == running["id"]
        assert job["state"] in ("Cancelled", "Interrupted"), job
        assert assert_store_whole(data) is None  # nothing was ever published
        assert workspaces_left(data) == []
        stragglers = wait_group_gone(group, STRAGGLER_TIMEOUT)
        assert not stragglers, f"processes left behind: {[p.pid for p in stragglers]}"
        assert "Traceback" not in server.log_text(), server.log_text()[-5000:]
    except BaseException:
        print(server.log_text()[-10_000:])
        raise
    finally:
        server.stop()
        if group and group_members(group):
            kill_group(group)
    assert group and not group_members(group)


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Poll ``condition`` (a file the server's processes write) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s"
        time.sleep(0.05)  # polling a log file written by other processes: no event to wait on


# -- a cancel that arrives once the snapshot is being published ---------------------------------------


@pytest.mark.parametrize("moment", ["during the commit", "after the commit"])
def test_a_cancel_once_publishing_began_keeps_the_success(
    tmp_path: Path, signal_corpus: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    src, data = tmp_path / "src", tmp_path / "data"
    shutil.copytree(signal_corpus, src)
    service = DocMind(Settings(data_dir=data, workers=1))
    in_commit, release_commit = threading.Event(), threading.Event()
    try:
        first = service.jobs.wait(service.start_ingestion([src]), timeout=JOB_TIMEOUT)
        assert first.state is JobState.SUCCEEDED
        # Files changed: the index is rebuilt, and its worker stays in the pool until the pool closes.
        shutil.copyfile(next(src.glob("*.md")), src / "twin.md")
        if moment == "during the commit":
            real_checkpoint = fsops.checkpoint

            def checkpoint(name: str) -> None:
                real_checkpoint(name)
                if name == "commit.5":  # the workspace is complete; the rename and CURRENT follow
                    in_commit.set()
                    assert release_commit.wait(60)

            monkeypatch.setattr(fsops, "checkpoint", checkpoint)
        else:
            real_commit = Workspace.commit

            def commit(self: Workspace, *args: Any, **kwargs: Any) -> Any:
                info = real_commit(self, *args, **kwargs)
                service.jobs.cancel_all()  # published; the worker pool has not closed yet
                return info

            monkeypatch.setattr(Workspace, "commit", commit)
        job_id = service.start_ingestion([src])
        if moment == "during the commit":
            assert in_commit.wait(JOB_TIMEOUT)
            service.jobs.cancel(job_id)
            release_commit.set()
        record: Any = service.jobs.wait(job_id, timeout=JOB_TIMEOUT)
        summary = service.outcome(job_id)
        current = service.store.current()
    finally:
        release_commit.set()
        service.close()
    assert record.cancel_requested
    assert getattr(summary, "files_total", None) == 1 + getattr(service.outcome(first.id), "files_total", 0)
    assert (record.state, record.error) == (JobState.SUCCEEDED, None)
    assert current is not None and current.id == record.result != first.result
