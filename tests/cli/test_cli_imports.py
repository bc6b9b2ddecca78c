"""The read commands load only what they need (NFR-131), checked on what their real process imported.

``docmind search --mode bm25``, ``docmind snapshots`` and ``docmind jobs`` run as real subprocesses
under ``python -X importtime``: the interpreter names every module the moment it is imported,
whether the import sits at the top of a module or inside a function, so a module a command loads
is seen however it is reached. Each command must also have done its work (exit 0, the expected
output), and the ingestion that built the data dir, traced the same way, must show the ingestion
pipeline: the trace sees a heavy module when one is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import json_lines, loaded_under, run_docmind_traced
from tests.support.corpus import make_text

HEAVY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "tokenizers",
    "openvino",
    "onnxruntime",
    "llama_index",
    "streamlit",
    "ray",
    "docmind.ingest.pipeline",
)
"""Modules no read command may load: model runtimes, LlamaIndex, Streamlit, Ray, the ingestion pipeline."""
SEARCH_NEVER = (
    *HEAVY,
    "docmind.ingest",
    "docmind.embed",
    "docmind.executors",
    "docmind.service",
    "docmind.ui",
    "docmind_jobs",
)
"""A BM25 search reads the snapshot store and the index, nothing of ingestion, embedding or the jobs."""


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A keyword-only data dir of a few documents, one naming "narwhal lighthouse"; the ingest's modules."""
    root = tmp_path_factory.mktemp("imports")
    for number in range(4):
        phrase = "narwhal lighthouse" if number == 2 else ""
        make_text(root / "docs" / f"note-{number}.md", seed=number, phrase=phrase)
    result, modules = run_docmind_traced(root / "data", "ingest", str(root / "docs"), "--json")
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout)[-1]["files_indexed"] == 4
    return root / "data", modules


def test_the_trace_sees_what_an_ingestion_loads(ingested: tuple[Path, set[str]]) -> None:
    _, modules = ingested
    assert loaded_under(modules, "docmind.ingest.pipeline") == ["docmind.ingest.pipeline"]


def test_a_bm25_search_loads_neither_ingestion_embedding_nor_jobs(ingested: tuple[Path, set[str]]) -> None:
    data, _ = ingested
    result, modules = run_docmind_traced(data, "search", "--mode", "bm25", "narwhal lighthouse", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["file"] == "docs/note-2.md" and hits[0]["retrievers"] == ["bm25"]
    assert {"docmind.search.engine", "docmind.segments.bm25", "docmind_snapshots.store"} <= modules
    assert loaded_under(modules, *SEARCH_NEVER) == []


def test_listing_snapshots_loads_no_search_and_no_jobs(ingested: tuple[Path, set[str]]) -> None:
    data, _ = ingested
    result, modules = run_docmind_traced(data, "snapshots", "--json")
    assert result.returncode == 0, result.stderr
    assert [s["active"] for s in json.loads(result.stdout)] == [True]
    assert loaded_under(modules, *SEARCH_NEVER, "docmind.search", "numpy") == []


def test_listing_jobs_loads_no_search_and_no_ingestion_engine(ingested: tuple[Path, set[str]]) -> None:
    data, _ = ingested
    result, modules = run_docmind_traced(data, "jobs", "--json")
    assert result.returncode == 0, result.stderr
    assert [(j["kind"], j["state"]) for j in json.loads(result.stdout)] == [("ingest", "Succeeded")]
    never = (*HEAVY, "docmind.search", "docmind.embed", "docmind.executors.local", "numpy")
    assert loaded_under(modules, *never) == []
