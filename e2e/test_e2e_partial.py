"""Succeeded with failures: broken files beside good ones are listed with their reasons; the rest publish."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e import cli, states
from e2e.app import DocMindApp
from e2e.documents import BROKEN_REASONS, E2ECorpus
from e2e.server import StreamlitServer
from e2e.visual import Snapshots


def test_broken_files_beside_good_ones_are_listed_and_the_rest_is_published(
    app: DocMindApp, server: StreamlitServer, corpus: E2ECorpus, visual: Snapshots
) -> None:
    data = server.data_dir
    app.upload([*corpus.uploads, *corpus.broken])
    app.start()
    app.expect_state("Succeeded")
    app.wait_until_settled()
    published = app.snapshot_id()
    assert published is not None and published == cli.current_snapshot(data)
    expect(app.panel).to_contain_text(f"{len(BROKEN_REASONS)} file(s) could not be indexed:")
    # The failures table is an st.dataframe: a canvas whose cells are in its accessible fallback table.
    failures = app.panel.get_by_test_id("stDataFrame")
    for name, reason in BROKEN_REASONS.items():
        expect(failures.locator("tr[role=row]").filter(has_text=name)).to_contain_text(reason)
    statuses = cli.corpus_statuses(data, published)
    assert {name: statuses[name] for name in BROKEN_REASONS} == dict.fromkeys(BROKEN_REASONS, "failed")
    assert {statuses[p.name] for p in corpus.uploads} == {"indexed"}
    states.capture(app, visual, states.SUCCEEDED_WITH_FAILURES)
