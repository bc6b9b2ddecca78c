"""Re-attach: a reload and a second browser follow the running job; Cancel works from either."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e import cli
from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.conftest import DataDirSetup
from e2e.documents import LONG_FILES, E2ECorpus
from e2e.server import StreamlitServer


@pytest.fixture(scope="module")
def prepare_data_dir(corpus: E2ECorpus) -> DataDirSetup:
    def fill(data: Path) -> None:
        # Twice the usual corpus: reload, a second browser and the cancel all happen mid-job, with room
        # to spare; the job is cancelled, so its length costs nothing.
        corpus.long_corpus(data / "documents", tag="reattach", count=2 * LONG_FILES)

    return fill


def test_reload_and_a_second_browser_follow_the_job_and_cancel_from_the_second(
    app: DocMindApp, open_app: Callable[[], DocMindApp], server: StreamlitServer
) -> None:
    job = app.start()
    before = app.wait_progress_at_least(3)

    app.reload()
    expect(app.job_id).to_have_text(job, timeout=UI_TIMEOUT)
    app.expect_state("Running", timeout=UI_TIMEOUT)
    assert app.progress() >= before
    app.wait_progress_at_least(app.progress() + 1)  # the reloaded page polls again
    expect(app.start_button).to_be_disabled()

    other = open_app()  # another browser context: another person, another session
    expect(other.job_id).to_have_text(job, timeout=UI_TIMEOUT)
    other.expect_state("Running", timeout=UI_TIMEOUT)
    other.wait_progress_at_least(other.progress() + 1)

    other.cancel_button.click()
    other.expect_state("Cancelled", timeout=UI_TIMEOUT)
    app.expect_state("Cancelled", timeout=UI_TIMEOUT)
    for page in (app, other):
        page.wait_until_settled()
        expect(page.job_id).to_have_text(job)
        expect(page.start_button).to_be_enabled()
        expect(page.cancel_button).to_be_disabled()
        expect(page.panel).to_contain_text("Cancelled: nothing was published")

    data = server.data_dir
    assert cli.recorded_job_state(data, job) == "Cancelled"
    assert cli.workspaces(data) == []
    assert cli.current_snapshot(data) is None
    assert cli.snapshot_dirs(data) == []
