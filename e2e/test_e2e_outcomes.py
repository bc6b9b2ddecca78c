"""Outcomes with broken files: only broken files → Failed; broken beside good ones → Succeeded with a list."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e import cli, states
from e2e.app import DocMindApp
from e2e.documents import E2ECorpus
from e2e.server import StreamlitServer
from e2e.visual import Snapshots

REASONS = {"empty.txt": "empty file", "junk.txt": "binary content, not text", "truncated.pdf": "damaged PDF"}


def test_broken_files_fail_alone_and_are_listed_beside_good_ones(
    app: DocMindApp, server: StreamlitServer, corpus: E2ECorpus, visual: Snapshots
) -> None:
    data = server.data_dir
    assert sorted(p.name for p in corpus.broken) == sorted(REASONS)

    app.upload(corpus.broken)
    failed_job = app.start()
    app.expect_state("Failed")
    app.wait_until_settled()
    expect(app.panel).to_contain_text("no file could be indexed (3 failed")
    expect(app.panel).to_contain_text("Nothing was published.")
    assert app.snapshot_id() is None
    assert cli.current_snapshot(data) is None
    assert cli.workspaces(data) == []
    assert cli.recorded_job_state(data, failed_job) == "Failed"
    states.capture(app, visual, states.FAILED)

    app.upload(corpus.uploads)
    app.start()
    app.expect_state("Succeeded")
    app.wait_until_settled()
    published = app.snapshot_id()
    assert published is not None and published == cli.current_snapshot(data)
    expect(app.panel).to_contain_text(f"{len(REASONS)} file(s) could not be indexed:")
    # The failures table is an st.dataframe: a canvas whose cells are in its accessible fallback table.
    failures = app.panel.get_by_test_id("stDataFrame")
    for name, reason in REASONS.items():
        expect(failures.locator("tr[role=row]").filter(has_text=name)).to_contain_text(reason)
    statuses = cli.corpus_statuses(data, published)
    assert {name: statuses[name] for name in REASONS} == dict.fromkeys(REASONS, "failed")
    assert {statuses[p.name] for p in corpus.uploads} == {"indexed"}
    states.capture(app, visual, states.SUCCEEDED_WITH_FAILURES)
