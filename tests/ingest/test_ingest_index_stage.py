"""DocMind's BM25 stage builds the same index as LlamaIndex's ``BM25Retriever.from_defaults``."""

from __future__ import annotations

import json
import random
from pathlib import Path

from docmind.ingest.bm25_terms import bm25_terms
from docmind.ingest.index_stage import BM25_DIR, BM25Stage, IndexChunk
from docmind.ingest.node_records import corpus_record, metadata_str
from llama_index.core.schema import BaseNode, MetadataMode, TextNode
from llama_index.core.vector_stores.utils import node_to_metadata_dict
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
    stage = BM25Stage(tmp_path)
    for chunk in chunks:
        stage.add(chunk)
    stage.write()
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


def test_stage_files_equal_what_the_retriever_persists(tmp_path: Path) -> None:
    chunks = _chunks()
    (tmp_path / "ours").mkdir()
    stage = BM25Stage(tmp_path / "ours")
    for chunk in chunks:
        stage.add(chunk)
    stage.write()
    nodes: list[BaseNode] = [TextNode(id_=c.node_id, text=c.text, metadata=c.metadata) for c in chunks]
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10).persist(str(theirs))
    ours = tmp_path / "ours" / BM25_DIR
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
    assert json.loads((ours / "retriever.json").read_text()) == json.loads(
        (theirs / "retriever.json").read_text()
    )
    assert _corpus(ours) == _corpus(theirs)


def _corpus(folder: Path) -> list[dict[str, object]]:
    """The persisted corpus records, each node's JSON parsed (its key order is not part of the format)."""
    records = [json.loads(line) for line in (folder / "corpus.jsonl").read_text().splitlines()]
    return [r | {"_node_content": json.loads(r["_node_content"])} for r in records]


def test_records_and_metadata_lines_equal_llama_index_nodes() -> None:
    metadata = {"file": "Ünïcode folder/a “quoted” file.pdf", "source": "lib", "page": "3"}
    node = TextNode(id_="node-7", text="Text with\nlines, “quotes” and ünïcode.", metadata=metadata)
    ours = corpus_record(node.node_id, node.text, metadata)
    theirs = node_to_metadata_dict(node) | {"node_id": node.node_id}
    assert ours == theirs
    assert metadata_str(metadata) == node.get_metadata_str(MetadataMode.EMBED)
