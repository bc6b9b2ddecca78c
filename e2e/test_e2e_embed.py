"""Embeddings in the browser, with the real model: the embed phase, a cancel mid-embedding, a resume."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docmind.embed.cache import count
from playwright.sync_api import expect

from e2e import cli, states
from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.conftest import DataDirSetup
from e2e.server import StreamlitServer
from e2e.visual import Snapshots
from tests.support.corpus import make_text

EMBEDDING_SHOWN = re.compile(r"[1-9][\d,]* / [\d,]+ windows embedded")
ENDED_WITH = re.compile(r"([\d,]+) windows embedded, ([\d,]+) from cache")
EMBED_TIMEOUT = 300_000  # a cold model load and a few hundred windows on two shared cores


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"DOCMIND_EMBED": "on"}


@pytest.fixture(scope="module")
def prepare_data_dir() -> DataDirSetup:
    """Eight distinct notes of about 5,000 words each: a few hundred windows to embed."""

    def fill(data: Path) -> None:
        for number in range(8):
            make_text(data / "documents" / f"notes-{number}.md", paragraphs=60, seed=500 + number)

    return fill


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_embedding_progress_cancel_mid_embedding_and_resume_from_the_cache(
    app: DocMindApp, server: StreamlitServer, visual: Snapshots
) -> None:
    data = server.data_dir
    job = app.start()
    expect(app.panel).to_contain_text(EMBEDDING_SHOWN, timeout=EMBED_TIMEOUT)
    app.hold_ticks()
    app.expect_state("Running", timeout=UI_TIMEOUT)
    expect(app.panel).to_contain_text("Now: embed")
    states.capture(app, visual, states.EMBEDDING)

    app.cancel_button.click()
    # The ticks are held: only the click's own rerun can show Cancelling (no poll does).
    app.expect_state("Cancelling", timeout=UI_TIMEOUT)
    app.release_ticks()
    app.expect_state("Cancelled", timeout=UI_TIMEOUT)
    assert cli.recorded_job_state(data, job) == "Cancelled"
    assert cli.current_snapshot(data) is None and cli.workspaces(data) == []
    kept = count(data / "cache")
    assert kept > 0  # the batches finished before the cancel stay in the embedding cache

    app.start()
    app.expect_state("Succeeded", timeout=EMBED_TIMEOUT)
    app.wait_until_settled()
    ended = ENDED_WITH.search(app.panel.inner_text())
    assert ended is not None, app.panel.inner_text()
    embedded, cached = _number(ended.group(1)), _number(ended.group(2))
    assert cached >= kept and embedded > 0  # the second run embedded only what the first had not
    snapshot = cli.current_snapshot(data)
    assert snapshot is not None
    assert count(data / "cache") == kept + embedded

    app.go_to("Search")
    results = app.search("harbour lantern meadow")
    expect(results).to_contain_text("found by", timeout=60_000)
    expect(results).to_contain_text(re.compile(r"found by (bm25 \+ dense|dense)"))
