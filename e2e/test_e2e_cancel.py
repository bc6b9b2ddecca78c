"""Cancel: mid-run cancel shows Cancelling at once, ends Cancelled, publishes nothing, leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e import cli, states
from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.conftest import DataDirSetup
from e2e.documents import E2ECorpus
from e2e.server import StreamlitServer
from e2e.visual import Snapshots


@pytest.fixture(scope="module")
def prepare_data_dir(corpus: E2ECorpus) -> DataDirSetup:
    """A published snapshot of the seed documents (CLI), then a long corpus to ingest."""

    def fill(data: Path) -> None:
        corpus.copy_into(data / "documents", sorted(corpus.seed.iterdir()))
        cli.ingest(data)
        corpus.long_corpus(data / "documents", tag="cancel")

    return fill


def test_cancel_mid_run_keeps_the_active_snapshot_and_start_works_again(
    app: DocMindApp, server: StreamlitServer, visual: Snapshots
) -> None:
    data = server.data_dir
    before = app.snapshot_id()
    assert before is not None and before == cli.current_snapshot(data)

    job = app.start()
    app.wait_progress_at_least(10)
    # Freeze the panel's polling so each state stays on screen exactly as rendered.
    app.hold_ticks()
    app.expect_state("Running", timeout=UI_TIMEOUT)
    states.capture(app, visual, states.RUNNING)

    app.cancel_button.click()
    # The ticks are held: only the click's own rerun can show Cancelling (no poll does).
    app.expect_state("Cancelling", timeout=UI_TIMEOUT)
    expect(app.cancel_button).to_be_disabled()
    expect(app.start_button).to_be_disabled()
    app.wait_until_settled()
    states.capture(app, visual, states.CANCELLING)

    app.release_ticks()
    app.expect_state("Cancelled", timeout=UI_TIMEOUT)
    app.wait_until_settled()
    expect(app.job_id).to_have_text(job)
    expect(app.panel).to_contain_text("Cancelled: nothing was published; the active snapshot is unchanged.")
    states.capture(app, visual, states.CANCELLED)

    assert app.snapshot_id() == before
    assert cli.current_snapshot(data) == before
    assert cli.snapshot_dirs(data) == [before]
    assert cli.workspaces(data) == []
    assert cli.recorded_job_state(data, job) == "Cancelled"

    again = app.start()
    assert again != job
    app.expect_state("Succeeded")
    app.wait_until_settled()
    after = app.snapshot_id()
    assert after is not None and after != before
    assert cli.current_snapshot(data) == after
    assert cli.workspaces(data) == []
    statuses = cli.corpus_statuses(data, after)
    assert set(statuses.values()) <= {"indexed", "cached"}
    # Files finished before the cancel stayed in the cache (the seed files come from it too).
    assert sum(status == "cached" for path, status in statuses.items() if path.startswith("cancel-")) >= 1
