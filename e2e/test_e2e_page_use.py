"""The page as a person uses it: a 100-file upload keeps Start in view; a CLI job shows up in an idle tab."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import ViewportSize, expect

from e2e import cli
from e2e.app import JOB_TIMEOUT, DocMindApp
from e2e.conftest import DataDirSetup
from e2e.documents import E2ECorpus
from e2e.server import REPO, StreamlitServer
from e2e.visual import Snapshots

FIRST_VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# The idle panel polls every 3 s; a job started elsewhere must show within 5 s (the bound).
ATTACH_BOUND = 5_000


@pytest.fixture(scope="module")
def prepare_data_dir(corpus: E2ECorpus) -> DataDirSetup:
    """A long corpus in a registered-free subfolder of the documents: the CLI job runs for a while."""

    def fill(data: Path) -> None:
        corpus.long_corpus(data / "documents" / "long", tag="page-use")

    return fill


def _hundred_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(99):
        path = folder / f"note-{number:03d}.md"
        path.write_text(f"# Note {number}\n\nField note number {number} about herons.\n", encoding="utf-8")
        files.append(path)
    twin = folder / "note-000-copy.md"
    twin.write_bytes(files[0].read_bytes())
    return [*files, twin]


def test_a_hundred_uploads_leave_one_summary_and_start_in_the_first_viewport(
    app: DocMindApp, visual: Snapshots, tmp_path: Path
) -> None:
    files = _hundred_files(tmp_path / "batch")
    notes = app.upload(files)
    expect(app.upload_summary).to_contain_text("Upload: 99 saved · 1 already present · 0 refused")
    assert "note-000-copy.md: same content as note-000.md" in notes
    # One summary line, not one alert per file.
    expect(app.page.get_by_test_id("stAlert").filter(has_text="note-")).to_have_count(0)

    app.page.set_viewport_size(FIRST_VIEWPORT)
    # As first shown: every scrolled container back at its top (Streamlit scrolls its main section).
    app.page.evaluate("document.querySelectorAll('*').forEach((e) => { if (e.scrollTop) e.scrollTop = 0; })")
    app.wait_until_settled()
    box = app.start_button.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= FIRST_VIEWPORT["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= FIRST_VIEWPORT["width"], box
    visual.check("page-after-100-uploads", app.page, [app.page.locator(".st-key-active_snapshot")])


def test_an_idle_page_attaches_to_a_job_started_from_the_cli(
    app: DocMindApp, server: StreamlitServer
) -> None:
    app.expect_state("Idle")
    entry = Path(sys.executable).parent / "docmind"
    command = [str(entry)] if entry.exists() else [sys.executable, "-m", "docmind.cli.main"]
    process = subprocess.Popen(
        [*command, "ingest", "--json", "--data-dir", str(server.data_dir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        running = None
        while running is None:  # the CLI prints the job's events; wait for its Running
            line = json.loads(process.stdout.readline())
            running = line if line.get("state") == "Running" else None
        app.expect_state("Running", timeout=ATTACH_BOUND)
        job = app.job_id.text_content()
        assert job and job == cli.jobs(server.data_dir)[0]["id"]
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=JOB_TIMEOUT / 1000) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    app.expect_state("Cancelled")
    app.wait_until_settled()  # the end triggers a page rerun; until it is done, the old panel shows faded
    expect(app.start_button).to_be_enabled()


def test_job_history_fits_the_page(app: DocMindApp, visual: Snapshots) -> None:
    app.go_to("Job history")
    grid = app.page.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    app.wait_until_settled()
    box = grid.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280, box
    # Every column is inside the grid: it has no horizontal scroll.
    overflow = grid.evaluate(
        "(g) => { const s = g.querySelector('.dvn-scroller');"
        " return s ? s.scrollWidth - s.clientWidth : -1; }"
    )
    assert overflow == 0, f"the job history is {overflow}px wider than its frame"
    visual.check("page-job-history", app.page, [grid])
