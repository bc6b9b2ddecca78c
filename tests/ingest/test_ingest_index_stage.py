"""DocMind's BM25 stage builds the same index as LlamaIndex's ``BM25Retriever.from_defaults``."""

from __future__ import annotations

import random
from pathlib import Path

from docmind.ingest.bm25_terms import bm25_terms
from docmind.ingest.index_stage import BM25_DIR, BM25Stage, IndexChunk
from llama_index.core.schema import BaseNode, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from tests.support.corpus import SYSTEM_PDFS, sentences

QUERIES = (
    "snapshot ledger",
    "harbours and lanterns",
    "Running parsers",
    "page 3",
    "library/doc-2.pdf",
    "ASN.1 DER encoding",
    "the",  # a stopword only: no hits either way
)


def _chunks() -> list[IndexChunk]:
    rng = random.Random(7)
    texts = [sentences(rng, rng.randint(1, 12)) for _ in range(120)]
    if SYSTEM_PDFS[0].exists():  # real prose with punctuation, numbers and odd words
        from docmind.ingest.parsers import parse_file

        texts += [text for _, text in parse_file(SYSTEM_PDFS[0], lambda: False)[:20] if text.strip()]
    chunks = []
    for number, (text, terms) in enumerate(zip(texts, bm25_terms(texts), strict=True)):
        metadata = {"file": f"library/doc-{number % 7}.pdf", "source": "library", "page": str(number % 5 + 1)}
        chunks.append(IndexChunk(f"node-{number}", text, metadata, terms))
    return chunks


def _hits(retriever: BM25Retriever, query: str) -> list[tuple[float, str]]:
    """Hits as (score, node id), best first; equal scores in id order (their order is arbitrary)."""
    return sorted((-round(hit.score or 0.0, 4), hit.node.node_id) for hit in retriever.retrieve(query))


def test_stage_index_matches_the_retrievers_own(tmp_path: Path) -> None:
    chunks = _chunks()
    stage = BM25Stage()
    for chunk in chunks:
        stage.add(chunk)
    stage.write(tmp_path)
    ours = BM25Retriever.from_persist_dir(str(tmp_path / BM25_DIR), show_progress=False)
    nodes: list[BaseNode] = [TextNode(id_=c.node_id, text=c.text, metadata=c.metadata) for c in chunks]
    theirs = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
    assert ours.similarity_top_k == theirs.similarity_top_k == 10
    assert set(ours.bm25.vocab_dict) == set(theirs.bm25.vocab_dict)
    assert int(ours.bm25.scores["num_docs"]) == len(chunks)
    for query in QUERIES:
        assert _hits(ours, query) == _hits(theirs, query), query
    found = ours.retrieve("snapshot ledger")[0].node
    assert found.metadata["file"].startswith("library/doc-")
    assert found.get_content() in {c.text for c in chunks}
