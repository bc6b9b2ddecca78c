"""A snapshot whose model folder is gone: hybrid search answers with BM25 and says why, dense is refused.

The snapshot is built with a copy of the packaged model, which is then deleted; the CLI runs as a
real subprocess and the Search page in AppTest.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from docmind.embed.spec import packaged_model_dir
from docmind.runtime import close_process_service
from streamlit.testing.v1 import AppTest

from tests.embed.test_embed_pipeline import ingest
from tests.support.cli import run_docmind
from tests.support.prose import write_prose
from tests.ui.conftest import page

QUERY = "honey bees in a hive"


@pytest.fixture(scope="module")
def orphaned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose active snapshot has vectors made by a model folder that no longer exists."""
    root = tmp_path_factory.mktemp("orphaned")
    model = shutil.copytree(packaged_model_dir(), root / "model")
    summary = ingest(root / "data", write_prose(root / "docs"), embed_model=str(model))
    assert summary.coverage == 1.0
    shutil.rmtree(model)
    return root / "data"


def test_the_cli_answers_hybrid_with_bm25_and_one_line_and_refuses_dense(orphaned: Path) -> None:
    hybrid = run_docmind(orphaned, "search", QUERY, "--json")
    assert hybrid.returncode == 0, hybrid.stderr
    hits = json.loads(hybrid.stdout)
    assert hits and all(hit["retrievers"] == ["bm25"] for hit in hits)
    assert hits[0]["file"] == "beekeeping.md"
    [note] = hybrid.stderr.splitlines()
    assert note.startswith("note: the embedding model folder of this snapshot is gone")
    assert note.endswith(": BM25 search only")
    dense = run_docmind(orphaned, "search", QUERY, "--mode", "dense")
    assert dense.returncode == 1 and dense.stdout == ""
    [refusal] = dense.stderr.splitlines()
    assert "dense search cannot run: the embedding model folder of this snapshot is gone" in refusal


@pytest.fixture
def search_page(orphaned: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("DOCMIND_DATA_DIR", str(orphaned))
    monkeypatch.delenv("DOCMIND_LIBRARY_DIRS", raising=False)
    close_process_service()
    st.cache_resource.clear()
    yield AppTest.from_file(page("search"), default_timeout=60).run()
    close_process_service()
    st.cache_resource.clear()


def test_the_search_page_shows_bm25_hits_with_one_warning_and_refuses_dense(search_page: AppTest) -> None:
    at = search_page
    at.text_input(key="search_query").input(QUERY).run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    gone = "the embedding model folder of this snapshot is gone"
    assert warning.startswith(f"Keyword (BM25) results only: {gone}")
    assert any("beekeeping.md" in m.value and "found by bm25" in m.value for m in at.markdown)
    at.radio(key="search_mode").set_value("dense").run()
    assert not at.exception
    [refusal] = [w.value for w in at.warning]
    assert "dense search cannot run" in refusal
    assert not any("found by" in m.value for m in at.markdown)
