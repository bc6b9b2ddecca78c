"""Search in the browser on a keyword-only snapshot: the mode selector says why; hits read as people read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e import cli
from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.conftest import DataDirSetup
from e2e.visual import Snapshots
from tests.support.prose import write_prose

QUESTION = "What is the colony for and how is it stacking boxes?"


@pytest.fixture(scope="module")
def prepare_data_dir() -> DataDirSetup:
    """Three short documents, ingested keyword-only by the CLI before the server starts."""

    def fill(data: Path) -> None:
        write_prose(data / "documents")
        done = cli.docmind("ingest", "--json", data_dir=data)
        assert done.returncode == 0, done.stderr

    return fill


def test_a_keyword_only_snapshot_offers_bm25_alone_and_hits_read_as_a_person_reads(
    app: DocMindApp, visual: Snapshots
) -> None:
    app.go_to("Search")
    modes = app.page.get_by_role("radiogroup", name="Mode")
    expect(modes.get_by_role("radio")).to_have_count(1)
    only = modes.get_by_role("radio", name="Keywords (BM25)")
    expect(only).to_be_checked()
    expect(only).to_be_disabled()
    why = re.compile(r"^Only keyword search \(BM25\): .*DOCMIND_EMBED=off")
    expect(app.page.get_by_text(why)).to_be_visible()

    results = app.search(QUESTION)
    first = results.locator("p").first
    # The question's other words are stop words, which BM25 drops: one candidate, alone at the top.
    expect(first).to_contain_text("beekeeping.md · relevance 100/100 · found by bm25", timeout=UI_TIMEOUT)
    excerpt = results.locator(".docmind-excerpt").first
    expect(excerpt.locator("mark").first).to_be_visible()
    marked = {text.lower() for text in excerpt.locator("mark").all_text_contents()}
    assert marked == {"colony", "stacked", "boxes"}, marked  # stems of the question's words, no stop words
    app.wait_until_settled()
    visual.check("search-keyword-only", app.page, [app.active_snapshot])
