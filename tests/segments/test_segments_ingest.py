"""Ingestion over segments: a change writes only the change, and every search equals a fresh build's."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from docmind.executors.errors import IngestCancelled
from docmind.ingest.optimize import optimize
from docmind.ingest.progress.tracker import PHASE_MERGE
from docmind.search import search
from docmind.segments import layout
from docmind.segments.file_status import FileStatus
from docmind_snapshots import SnapshotStore

from tests.support.corpus import make_pdf, make_text
from tests.support.recorder import Recorder
from tests.support.run_engine import ingest, listing

QUERIES = ("harbour lantern", "kernel buffer signal", "quartz meadow", "page summit", "velvet orbit")


def _corpus(docs: Path) -> None:
    for number in range(6):
        make_text(docs / f"note-{number}.md", paragraphs=6, seed=number, phrase=f"marker{number} phrase")
    make_pdf(docs / "report.pdf", pages=3, phrase="quokka harbour phrase")


def _store(data: Path) -> SnapshotStore:
    return SnapshotStore(data / "index")


def _index(data: Path) -> dict:
    store = _store(data)
    current = store.current()
    assert current is not None
    return json.loads((store.path_of(current.id) / layout.INDEX_FILE).read_text())


def _ranking(data: Path, query: str) -> list[tuple[float, str, int | None, str]]:
    """BM25 hits, in an order that does not depend on how ties between equal scores fall."""
    hits = search(_store(data), query, k=50, mode="bm25").hits
    return sorted((-hit.score, hit.file, hit.page, hit.excerpt) for hit in hits)


def _fresh(tmp_path: Path, docs: Path) -> Path:
    """A data dir holding one fresh ingestion of ``docs`` as they are now."""
    fresh = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
    ingest(fresh, docs, embed=False)
    return fresh


def _segment_inodes(data: Path, snapshot_id: str) -> dict[str, int]:
    folder = _store(data).path_of(snapshot_id) / layout.SEGMENTS_DIR
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_one_added_file_writes_one_small_segment_and_links_the_rest(tmp_path: Path) -> None:
    data, docs = tmp_path / "data", tmp_path / "docs"
    _corpus(docs)
    first = ingest(data, docs, embed=False)
    assert first.snapshot_id
    before = _segment_inodes(data, first.snapshot_id)
    make_text(docs / "late.md", paragraphs=2, seed=99, phrase="latecomer phrase")
    second = ingest(data, docs, embed=False)
    assert second.snapshot_id and second.snapshot_id != first.snapshot_id
    after = _segment_inodes(data, second.snapshot_id)
    assert {k: v for k, v in after.items() if k in before} == before  # every old segment file is shared
    segments = _index(data)["segments"]
    assert len(segments) == 2
    [new] = [name for name in {k.split("/")[0] for k in after} if not any(k.startswith(name) for k in before)]
    meta = json.loads(
        (_store(data).path_of(second.snapshot_id) / layout.segment_dir(new) / "meta.json").read_text()
    )
    assert [span["path"] for span in meta["files"]] == ["late.md"]
    statuses = {f.path: f.status for f in listing(data).files}
    assert statuses.pop("late.md") == FileStatus.INDEXED  # parsed by this ingestion
    assert set(statuses.values()) == {FileStatus.CACHED}  # the others came from the chunk cache
    stored = json.loads((_store(data).path_of(second.snapshot_id) / layout.CORPUS_FILE).read_text())
    assert stored["parsed"] == ["late.md"] and stored["files"] == []  # corpus.json holds only the change
    assert search(_store(data), "latecomer", k=1, mode="bm25").hits[0].file == "late.md"
    fresh = _fresh(tmp_path, docs)
    for query in (*QUERIES, "latecomer phrase"):
        assert _ranking(data, query) == _ranking(fresh, query), query


def test_a_changed_and_a_removed_file_are_marked_deleted_and_scores_stay_exact(tmp_path: Path) -> None:
    data, docs = tmp_path / "data", tmp_path / "docs"
    _corpus(docs)
    ingest(data, docs, embed=False)
    make_text(docs / "note-1.md", paragraphs=3, seed=77, phrase="rewritten wombat phrase")
    (docs / "note-4.md").unlink()
    summary = ingest(data, docs, embed=False)
    assert summary.files_removed == 1
    [old, new] = _index(data)["segments"]
    assert old["deleted"] > 0 and old["deletes"].startswith(f"{layout.DELETES_DIR}/{old['name']}.1")
    assert search(_store(data), "marker1", k=5, mode="bm25").hits == []  # the old text of note-1 is gone
    assert search(_store(data), "marker4", k=5, mode="bm25").hits == []  # note-4 is gone
    assert search(_store(data), "wombat", k=1, mode="bm25").hits[0].file == "note-1.md"
    assert new["docs"] >= 1
    fresh = _fresh(tmp_path, docs)
    for query in (*QUERIES, "rewritten wombat phrase", "marker2 phrase"):
        assert _ranking(data, query) == _ranking(fresh, query), query


def test_optimize_merges_into_one_segment_and_changes_no_result(tmp_path: Path) -> None:
    data, docs = tmp_path / "data", tmp_path / "docs"
    _corpus(docs)
    ingest(data, docs, embed=False)
    for step in range(3):
        make_text(docs / f"extra-{step}.md", paragraphs=2, seed=50 + step, phrase=f"extra{step} phrase")
        (docs / f"note-{step}.md").unlink()
        ingest(data, docs, embed=False)
    assert len(_index(data)["segments"]) == 4
    before = {query: _ranking(data, query) for query in (*QUERIES, "extra1 phrase")}
    messages: list[str] = []
    result = optimize(_store(data), messages.append)
    assert result.changed and (result.segments_before, result.segments_after) == (4, 1)
    assert messages and messages[0].startswith("merging 4 segments")
    [merged] = _index(data)["segments"]
    assert merged["deleted"] == 0 and merged["deletes"] is None
    for query, ranking in before.items():
        assert _ranking(data, query) == ranking, query
    again = optimize(_store(data), messages.append)
    assert not again.changed and again.snapshot_id == result.snapshot_id


def test_docmind_retriever_answers_inside_a_llama_index_query_engine(tmp_path: Path) -> None:
    from docmind.llama_index import DocMindRetriever
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    data, docs = tmp_path / "data", tmp_path / "docs"
    _corpus(docs)
    ingest(data, docs, embed=False)
    retriever = DocMindRetriever(data, k=3)
    nodes = retriever.retrieve("quokka harbour phrase")
    assert nodes[0].node.metadata["file"] == "report.pdf" and nodes[0].node.metadata["page"] == "3"
    assert "quokka harbour phrase" in nodes[0].node.get_content()
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM())
    response = engine.query("Where is the quokka harbour phrase?")
    assert response.source_nodes[0].node.metadata["file"] == "report.pdf"
    with pytest.raises(FileNotFoundError, match="not a DocMind data dir"):
        DocMindRetriever(tmp_path / "nowhere")


def test_a_large_change_is_written_by_several_workers_in_parallel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docmind.ingest.index import phase as index_phase

    monkeypatch.setattr(index_phase, "PARALLEL_BUILD_CHUNKS", 3)  # a tiny corpus counts as large
    data, docs = tmp_path / "data", tmp_path / "docs"
    _corpus(docs)
    ingest(data, docs, embed=False)
    segments = _index(data)["segments"]
    assert len(segments) == 2  # two workers, one segment each
    assert sum(s["docs"] for s in segments) == search_chunks(data)
    fresh = tmp_path / "fresh"
    monkeypatch.setattr(index_phase, "PARALLEL_BUILD_CHUNKS", 1_000_000)
    ingest(fresh, docs, embed=False)
    assert len(_index(fresh)["segments"]) == 1
    for query in QUERIES:
        assert _ranking(data, query) == _ranking(fresh, query), query


def search_chunks(data: Path) -> int:
    """Chunks the active snapshot lists (from its summary)."""
    current = _store(data).current()
    assert current is not None
    chunks = current.metadata["chunks"]
    assert isinstance(chunks, int)
    return chunks


def test_a_cancel_during_a_merge_leaves_the_active_snapshot_and_no_stray_segment(tmp_path: Path) -> None:
    data, docs = tmp_path / "data", tmp_path / "docs"
    _corpus(docs)
    ingest(data, docs, embed=False)
    cancel = threading.Event()

    def cancel_at_merge(event: dict) -> None:
        if event["phase"] == PHASE_MERGE:
            cancel.set()

    for number in range(20):  # one-file additions pile up small segments until the policy merges them
        added = docs / f"added-{number}.md"
        make_text(added, paragraphs=2, seed=100 + number, phrase=f"added{number} phrase")
        active = _store(data).current()
        assert active is not None
        before = {query: _ranking(data, query) for query in QUERIES}
        try:
            ingest(data, docs, embed=False, cancel=cancel, reporter=Recorder(cancel_at_merge))
        except IngestCancelled:
            break
    else:
        pytest.fail("20 one-file additions never merged segments")
    reopened = _store(data)  # the next open: a new store on the same folder
    current = reopened.current()
    assert current is not None and current.id == active.id
    assert not any((data / "index" / "tmp").iterdir())  # the workspace with its merged segment is gone
    for snapshot in (data / "index" / "snapshots").iterdir():
        index = json.loads((snapshot / layout.INDEX_FILE).read_text())
        on_disk = {p.name for p in (snapshot / layout.SEGMENTS_DIR).iterdir()}
        assert on_disk == {segment["name"] for segment in index["segments"]}, snapshot.name
    for query in QUERIES:
        assert _ranking(data, query) == before[query], query
