"""Signals: SIGTERM and SIGINT to the CLI and to a real Streamlit server while an ingestion runs.

* The CLI (``docmind ingest --json`` in a subprocess) gets the signal in the parse phase (fresh PDFs being
  parsed by workers) or the index phase (the index being rebuilt in a worker): it exits 130 within 3 s
  (FR-041), says nothing was published, the job is recorded Cancelled, the active snapshot is unchanged and
  verifies, no workspace remains, and no process of its group outlives it.
* A real ``streamlit run`` of the app, driven by the system Chromium through Playwright ("Start ingestion"),
  gets the signal while its job panel shows Running: the server exits within 3 s, the job is recorded
  Cancelled or Interrupted (never left Running), and the reopened data dir holds no workspace.
* A cancel that arrives while the snapshot is being committed: the job must not be reported Cancelled
  ("nothing was published") while its snapshot became active.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from docmind.service import DocMind
from docmind.settings import Settings
from docmind_jobs import JobState
from docmind_snapshots import fsops

from e2e.server import StreamlitServer
from tests.reliability.reliability_support import (
    EXIT_BUDGET,
    SOAK,
    cli,
    group_members,
    kill_group,
    newest_job,
    running_child,
    wait_group_gone,
)
from tests.support.corpus import make_mixed_corpus, make_pdf, make_text
from tests.support.datadir import assert_store_whole, workspaces_left

CLI_CASES = [("SIGTERM", "parse"), ("SIGINT", "index")]
if SOAK:
    CLI_CASES += [("SIGINT", "parse"), ("SIGTERM", "index")] * 2
SERVER_SIGNALS = ["SIGTERM", "SIGINT"]
JOB_TIMEOUT = 180.0
STRAGGLER_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def signal_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("signal-corpus")
    make_mixed_corpus(root, pdfs=2, pages=3, texts=2, seed=31)
    return root


def _is_phase(phase: str, line: str) -> bool:
    return line.startswith("{") and json.loads(line).get("phase") == phase


@pytest.mark.parametrize(("signame", "phase"), CLI_CASES)
def test_cli_signal_mid_job_cancels_within_three_seconds(
    tmp_path: Path, signal_corpus: Path, signame: str, phase: str
) -> None:
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
        sent = time.monotonic()
        child.proc.send_signal(getattr(signal, signame))
        code = child.proc.wait(EXIT_BUDGET + 30)
        elapsed = time.monotonic() - sent
        # A forkserver still importing when the CLI left exits on its own once it notices: give it time.
        stragglers = wait_group_gone(child.pid, STRAGGLER_TIMEOUT)
        child.err.drain(5)
        assert not stragglers, f"processes left behind: {[p.pid for p in stragglers]}"
        assert code == 130, f"exit {code}\n{child.err.text()}"
        assert elapsed <= EXIT_BUDGET, f"the CLI took {elapsed:.2f}s to exit after {signame}"
        assert "ingestion cancelled; nothing was published" in child.err.text()
        assert "Traceback" not in child.err.text(), child.err.text()
    job = newest_job(data)
    assert job["state"] == "Cancelled", job
    assert assert_store_whole(data) == previous
    verify = cli("verify", "--json", "--data-dir", str(data))
    assert verify.code == 0 and json.loads(verify.stdout)["current"] == previous


# -- a real Streamlit server ------------------------------------------------------------------------------


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("no system Chromium (run `make browser`)")
    return path


@pytest.mark.parametrize("signame", SERVER_SIGNALS)
def test_streamlit_server_signal_mid_job(tmp_path: Path, signame: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    chromium = _chromium()
    data = tmp_path / "data"
    documents = data / "documents"
    make_mixed_corpus(documents, pdfs=6, pages=25, texts=2, seed=41)
    server = StreamlitServer(data, tmp_path / "streamlit.log")
    group = 0
    try:
        server.start()
        group = server.pid
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--disable-gpu"])
            try:
                page = browser.new_page()
                page.goto(server.url)
                page.get_by_role("button", name="Start ingestion").click(timeout=60_000)
                expect(page.locator(".st-key-job_panel")).to_contain_text("Running", timeout=60_000)
                running = newest_job(data)
                assert running["state"] == "Running", running
                # The rest of the group (forkserver, workers) must end by itself: checked below.
                elapsed = server.terminate(EXIT_BUDGET + 30, getattr(signal, signame), reap_group=False)
            finally:
                browser.close()
        assert elapsed <= EXIT_BUDGET, f"the server took {elapsed:.2f}s to exit after {signame}"
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


# -- a cancel that arrives while the snapshot is being published ---------------------------------------


def test_cancel_during_commit_is_not_reported_as_cancelled(
    tmp_path: Path, signal_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, data = tmp_path / "src", tmp_path / "data"
    shutil.copytree(signal_corpus, src)
    service = DocMind(Settings(data_dir=data, workers=1))
    in_commit, release = threading.Event(), threading.Event()
    try:
        first = service.jobs.wait(service.start_ingestion([src]), timeout=JOB_TIMEOUT)
        assert first.state is JobState.SUCCEEDED
        real = fsops.checkpoint

        def checkpoint(name: str) -> None:
            real(name)
            if name == "commit.5":  # the workspace is complete; the rename and CURRENT follow
                in_commit.set()
                assert release.wait(60)

        monkeypatch.setattr(fsops, "checkpoint", checkpoint)
        make_text(src / "late.md", phrase="a change to publish")  # an unchanged corpus publishes nothing
        job_id = service.start_ingestion([src])
        assert in_commit.wait(JOB_TIMEOUT)
        service.jobs.cancel(job_id)
        release.set()
        record: Any = service.jobs.wait(job_id, timeout=JOB_TIMEOUT)
        current = service.store.current()
        assert current is not None
    finally:
        release.set()
        service.close()
    # The promise: Cancelled means nothing was published; a job that did publish is Succeeded.
    if record.state is JobState.CANCELLED:
        assert current.id == first.result, f"Cancelled, yet its snapshot {current.id} is active"
    else:
        assert record.state is JobState.SUCCEEDED and current.id == record.result
