"""Start: upload through the file chooser, ingest, publish, search — on an empty data dir."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from e2e import cli, states
from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.documents import UPLOAD_PHRASE, E2ECorpus
from e2e.server import StreamlitServer
from e2e.visual import Snapshots


def test_upload_start_publishes_and_search_finds_the_upload(
    app: DocMindApp, server: StreamlitServer, corpus: E2ECorpus, visual: Snapshots, tmp_path: Path
) -> None:
    app.expect_state("Idle", timeout=UI_TIMEOUT)
    assert app.snapshot_id() is None
    expect(app.active_snapshot).to_contain_text("No active snapshot yet")
    states.capture(app, visual, states.IDLE)

    notes = app.upload(corpus.uploads)
    expect(app.upload_summary).to_contain_text(f"{len(corpus.uploads)} saved · 0 already present · 0 refused")
    for path in corpus.uploads:
        assert f"{path.name}: saved" in notes
    assert sorted(p.name for p in (server.data_dir / "documents").iterdir()) == sorted(
        p.name for p in corpus.uploads
    )

    job = app.start()
    app.expect_state("Succeeded")
    expect(app.progressbar).to_have_attribute("aria-valuenow", "100")
    expect(app.panel).to_contain_text(f"{len(corpus.uploads)} / {len(corpus.uploads)} files")
    app.wait_until_settled()
    first = app.snapshot_id()
    assert first is not None
    assert first == cli.current_snapshot(server.data_dir)
    expect(app.panel).to_contain_text(f"Published snapshot {first}")
    assert app.job_id.text_content() == job
    states.capture(app, visual, states.SUCCEEDED)

    # A second ingestion with one more upload publishes a new snapshot, and the badge follows it.
    extra = corpus.long_corpus(tmp_path, tag="start", count=1)
    app.upload(extra)
    app.start()
    app.expect_state("Succeeded")
    app.wait_until_settled()
    second = app.snapshot_id()
    assert second is not None and second != first
    assert second == cli.current_snapshot(server.data_dir)

    app.go_to("Search")
    results = app.search(UPLOAD_PHRASE)
    # The phrase is on the last (3rd) page of field-notes.pdf and in no other document.
    expect(results.locator("p").first).to_contain_text("field-notes.pdf · page 3", timeout=UI_TIMEOUT)
    expect(app.active_snapshot).to_contain_text(second)
    # The passage around the phrase, its words marked, and the source document one click away.
    first_hit = results.locator(".docmind-excerpt").first
    expect(first_hit.locator("mark").first).to_be_visible()
    marked = {text.lower() for text in first_hit.locator("mark").all_text_contents()}
    assert set(UPLOAD_PHRASE.lower().split()) <= marked, marked
    with app.page.expect_download() as download:
        results.get_by_role("button", name="Download the document").first.click()
    assert download.value.suggested_filename == "field-notes.pdf"
    assert (
        Path(download.value.path()).read_bytes()
        == (server.data_dir / "documents" / "field-notes.pdf").read_bytes()
    )
    app.wait_until_settled()
    visual.check("search-results", app.page, [app.active_snapshot])
