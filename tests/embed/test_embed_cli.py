"""The real CLI: ingest with embeddings, search in each mode, keyword-only snapshots."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import json_lines, loaded_under, run_docmind, run_docmind_traced
from tests.support.prose import QUESTIONS, write_prose

EMBED_ON = {"DOCMIND_EMBED": "on"}


def test_ingest_with_embeddings_then_search_in_every_mode(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    ingested = run_docmind(tmp_path / "data", "ingest", str(docs), "--json", env=EMBED_ON, timeout=600)
    assert ingested.returncode == 0, ingested.stderr
    summary = json_lines(ingested.stdout)[-1]
    assert summary["coverage"] == 1.0 and summary["windows_embedded"] == summary["windows_total"] > 0
    assert any(e.get("phase") == "embed" for e in json_lines(ingested.stdout)[:-1])
    question, target = next(iter(QUESTIONS.items()))
    hybrid = run_docmind(
        tmp_path / "data", "search", question, "--json", "-k", "2", env=EMBED_ON, timeout=300
    )
    assert hybrid.returncode == 0, hybrid.stderr
    hits = json.loads(hybrid.stdout)
    assert set(hits[0]) == {"file", "page", "score", "relevance", "excerpt", "retrievers", "scores"}
    assert any("dense" in hit["retrievers"] for hit in hits)
    dense = run_docmind(
        tmp_path / "data", "search", question, "--mode", "dense", "-k", "1", "--json", timeout=300
    )
    assert json.loads(dense.stdout)[0]["file"] == f"docs/{target}"  # named under the source folder
    keywords, modules = run_docmind_traced(
        tmp_path / "data", "search", "sourdough starter", "--mode", "bm25", timeout=300
    )
    assert (
        keywords.returncode == 0 and "docs/sourdough.txt" in keywords.stdout and "[bm25]" in keywords.stdout
    )
    # A snapshot with vectors searched by keywords loads nothing of its embedder (NFR-131).
    runtimes = ("torch", "transformers", "sentence_transformers", "tokenizers", "openvino", "onnxruntime")
    assert loaded_under(modules, "docmind.embed", *runtimes) == []


def test_a_keyword_only_snapshot_says_so_and_refuses_dense_search(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    assert run_docmind(tmp_path / "data", "ingest", str(docs), "--json").returncode == 0  # DOCMIND_EMBED=off
    plain = run_docmind(tmp_path / "data", "search", "volcano magma", "--json")
    assert plain.returncode == 0 and "keyword-only" in plain.stderr
    assert json.loads(plain.stdout)[0]["retrievers"] == ["bm25"]
    dense = run_docmind(tmp_path / "data", "search", "volcano magma", "--mode", "dense")
    assert dense.returncode == 1 and "keyword-only" in dense.stderr
    assert len(dense.stderr.strip().splitlines()) == 1 and "Traceback" not in dense.stderr
