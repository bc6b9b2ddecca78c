"""Failed: a corpus of broken files only ends Failed, names the reason and publishes nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e import cli, states
from e2e.app import DocMindApp
from e2e.documents import BROKEN_REASONS, E2ECorpus
from e2e.server import StreamlitServer
from e2e.visual import Snapshots


def test_only_broken_files_fail_and_publish_nothing(
    app: DocMindApp, server: StreamlitServer, corpus: E2ECorpus, visual: Snapshots
) -> None:
    data = server.data_dir
    broken = len(BROKEN_REASONS)
    app.upload(corpus.broken)
    job = app.start()
    app.expect_state("Failed")
    app.wait_until_settled()
    expect(app.panel).to_contain_text(f"no file could be indexed ({broken} failed")
    expect(app.panel).to_contain_text("Nothing was published.")
    assert app.snapshot_id() is None
    assert cli.current_snapshot(data) is None
    assert cli.snapshot_dirs(data) == []
    assert cli.workspaces(data) == []
    assert cli.recorded_job_state(data, job) == "Failed"
    states.capture(app, visual, states.FAILED)
    # The panel's counters agree with the error: every file was processed and every one failed.
    expect(app.panel.get_by_test_id("stProgress")).to_contain_text(f"{broken} / {broken} files")
    expect(app.panel).to_contain_text(f"0 indexed · 0 cached · {broken} failed · 0 removed")
