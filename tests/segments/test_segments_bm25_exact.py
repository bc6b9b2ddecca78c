"""BM25 over segments equals one LlamaIndex ``BM25Retriever`` over the same live chunks, bit for bit."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from docmind.segments import layout
from docmind.segments.bm25_terms import bm25_terms, query_terms
from docmind.segments.manifest import IndexManifest, SegmentEntry, write_deletes
from docmind.segments.node_records import corpus_record, metadata_str
from docmind.segments.snapshot_index import SnapshotIndex
from docmind.segments.writer import SegmentChunk, SegmentFileInput, SegmentWriter
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
    "was the ledger, the ledger",  # stopwords and a repeated term
    "the ANDs and ORs of bits",  # stopwords that other words of the corpus stem to ("ANDs" to "and")
    "the",
    "zzzz-not-a-term",
)


def _texts() -> list[str]:
    rng = random.Random(11)
    texts = [sentences(rng, rng.randint(1, 12)) for _ in range(150)]
    texts += ["Masks combine bits with ANDs and ORs.", "Two ands, three ofs and the ins and outs of it."]
    from docmind.ingest.parse.parsers import parse_file

    texts += [text for _, text in parse_file(SYSTEM_PDFS[0], lambda: False)[:40] if text.strip()]
    return texts


def _chunks() -> list[tuple[str, str, dict[str, str], list[str]]]:
    """(node id, text, metadata, terms) with the metadata terms first, as the index build makes them."""
    texts = _texts()
    chunks = []
    for number, (text, terms) in enumerate(zip(texts, bm25_terms(texts), strict=True)):
        metadata = {
            "file": f"library/doc-{number // 5}.pdf",
            "source": "library",
            "page": str(number % 5 + 1),
        }
        all_terms = [*bm25_terms([metadata_str(metadata)])[0].split(), *terms.split()]
        chunks.append((f"node-{number}", text, metadata, all_terms))
    return chunks


def _write(snapshot: Path, groups: list[list[int]], chunks: list, deleted: dict[int, list[int]]) -> None:
    """Write one segment per group of chunk numbers (5 chunks per file), deletions per segment index."""
    entries = []
    for position, group in enumerate(groups):
        name = layout.segment_name(position + 1, "abcdef")
        with SegmentWriter(snapshot / layout.segment_dir(name), name) as writer:
            for start in range(0, len(group), 5):
                members = group[start : start + 5]
                file = SegmentFileInput(
                    path=f"library/doc-{members[0] // 5}.pdf", source="library", sha256="0" * 64
                )
                writer.add_file(
                    file,
                    [
                        SegmentChunk(
                            chunks[n][0],
                            corpus_record(chunks[n][0], chunks[n][1], chunks[n][2]),
                            chunks[n][3],
                        )
                        for n in members
                    ],
                )
            meta = writer.finish()
        gone = deleted.get(position, [])
        local = [group.index(n) for n in gone]
        deletes = None
        if local:
            deletes = layout.deletes_file(name, 1)
            write_deletes(snapshot / deletes, np.array(local))
        lengths = np.load(snapshot / layout.segment_dir(name) / layout.DOC_LENGTHS)
        live_len = int(lengths.sum()) - int(lengths[local].sum()) if local else int(lengths.sum())
        entries.append(
            SegmentEntry(name=name, docs=meta.docs, deleted=len(local), deletes=deletes, live_len=live_len)
        )
    (snapshot / layout.INDEX_FILE).write_text(IndexManifest(segments=tuple(entries)).model_dump_json())


def _checksums(snapshot: Path) -> dict[str, str]:
    import hashlib

    return {
        p.relative_to(snapshot).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in snapshot.rglob("*")
        if p.is_file()
    }


def _theirs(chunks: list, live: list[int]) -> BM25Retriever:
    nodes: list[BaseNode] = [
        TextNode(id_=chunks[n][0], text=chunks[n][1], metadata=chunks[n][2]) for n in live
    ]
    return BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=len(nodes))


def _ours(snapshot: Path, query: str) -> list[tuple[float, str]]:
    with SnapshotIndex(snapshot, _checksums(snapshot)) as index:
        hits = index.bm25(query_terms(query), k=index.chunks)
        return [(score, index.record(part, doc)["node_id"]) for part, doc, score in hits]


def _reference(retriever: BM25Retriever, query: str) -> list[tuple[float, str]]:
    return [
        (float(hit.score or 0.0), hit.node.node_id)
        for hit in retriever.retrieve(query)
        if (hit.score or 0) > 0
    ]


def _same(ours: list[tuple[float, str]], theirs: list[tuple[float, str]]) -> None:
    """Equal scores, bit for bit, for the same chunks; the order equal but among equal scores."""
    assert sorted(ours, key=lambda h: (-h[0], h[1])) == sorted(theirs, key=lambda h: (-h[0], h[1]))
    assert [score for score, _ in ours] == sorted((score for score, _ in ours), reverse=True)


SPLITS = {
    "one segment": lambda n: [list(range(n))],
    "three segments": lambda n: [list(range(0, 60)), list(range(60, 150)), list(range(150, n))],
}


@pytest.mark.parametrize("split", SPLITS)
def test_segments_score_like_one_retriever_over_the_same_chunks(tmp_path: Path, split: str) -> None:
    chunks = _chunks()
    _write(tmp_path, SPLITS[split](len(chunks)), chunks, {})
    theirs = _theirs(chunks, list(range(len(chunks))))
    for query in QUERIES:
        _same(_ours(tmp_path, query), _reference(theirs, query))


def test_deleted_chunks_leave_the_statistics_as_if_never_indexed(tmp_path: Path) -> None:
    chunks = _chunks()
    groups = SPLITS["three segments"](len(chunks))
    deleted = {0: list(range(10, 20)), 1: list(range(60, 65)) + list(range(100, 140)), 2: [151, 170]}
    _write(tmp_path, groups, chunks, deleted)
    gone = {n for members in deleted.values() for n in members}
    theirs = _theirs(chunks, [n for n in range(len(chunks)) if n not in gone])
    for query in QUERIES:
        _same(_ours(tmp_path, query), _reference(theirs, query))


def test_a_merge_changes_no_score_and_drops_the_deleted_chunks(tmp_path: Path) -> None:
    from docmind.segments.merge import merge_segments
    from docmind.segments.reader import SegmentReader

    chunks = _chunks()
    groups = SPLITS["three segments"](len(chunks))
    deleted = {0: list(range(10, 20)), 1: list(range(100, 140)), 2: [150, 151, 152, 153, 154]}
    before = tmp_path / "before"
    _write(before, groups, chunks, deleted)
    with SnapshotIndex(before, _checksums(before)) as index:
        expected = {query: _ours(before, query) for query in QUERIES}
        after = tmp_path / "after"
        name = layout.segment_name(9, "abcdef")
        seen: list[tuple[int, int]] = []
        meta = merge_segments(
            index.parts, after / layout.segment_dir(name), name, lambda d, t: seen.append((d, t))
        )
    gone = sum(len(v) for v in deleted.values())
    assert meta.docs == len(chunks) - gone
    assert seen[-1] == (meta.docs, meta.docs)
    gone_files = {n // 5 for members in deleted.values() for n in members}
    kept_files = [
        f"library/doc-{f}.pdf" for f in sorted({n // 5 for n in range(len(chunks))}) if f not in gone_files
    ]
    assert [span.path for span in meta.files] == kept_files
    assert sum(span.chunks for span in meta.files) == meta.docs
    lengths = np.load(after / layout.segment_dir(name) / layout.DOC_LENGTHS)
    entry = SegmentEntry(name=name, docs=meta.docs, live_len=int(lengths.sum()))
    (after / layout.INDEX_FILE).write_text(IndexManifest(segments=(entry,)).model_dump_json())
    for query in QUERIES:
        assert _ours(after, query) == expected[query], query
    with SegmentReader(after / layout.segment_dir(name)) as reader:
        for span in meta.files:
            assert reader.record(span.first)["file"] == span.path
