"""The embed phase end to end with the real model: vectors in the snapshot, the cache, cancel, resume."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from docmind.embed.cache import count
from docmind.embed.spec import DEFAULT_MODEL_NAME, EmbedderUnavailableError
from docmind.executors.errors import IngestCancelled
from docmind.ingest.embed.batches import FIRST_CALL
from docmind.ingest.publish.summary import IngestSummary
from docmind.search import retrieve, search
from docmind.search.fusion import fuse
from docmind.segments import layout
from docmind_snapshots import SnapshotStore

from tests.support import run_engine
from tests.support.datadir import workspaces_left
from tests.support.prose import EXTRA_DOCUMENT, QUESTIONS, write_prose
from tests.support.recorder import Recorder


def ingest(data: Path, docs: Path, **options) -> IngestSummary:
    """Ingest with embeddings on (the real model)."""
    return run_engine.ingest(data, docs, embed=True, **options)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, IngestSummary, Recorder]:
    root = tmp_path_factory.mktemp("embedded")
    docs = write_prose(root / "docs")
    recorder = Recorder()
    summary = ingest(root / "data", docs, reporter=recorder)
    return root / "data", docs, summary, recorder


def test_a_snapshot_holds_a_vector_for_every_window(embedded) -> None:
    data, _, summary, recorder = embedded
    assert summary.embed_model == DEFAULT_MODEL_NAME and summary.embed_window == 256
    assert summary.coverage == 1.0
    assert summary.windows_total >= 3 and summary.windows_embedded == summary.windows_total
    embed_events = [e["counts"] for e in recorder.events if e["phase"] == "embed"]
    assert embed_events[-1]["windows_total"] == embed_events[-1]["windows_done"] == summary.windows_total
    # The model loads before the first call; that call is small and its event carries a rate at once.
    messages = [e["message"] for e in recorder.events]
    assert messages.index(f"loading the embedding model {DEFAULT_MODEL_NAME}") < messages.index(
        f"embedded {summary.windows_embedded} windows"
    )
    first = next(c for c in embed_events if c.get("windows_done", 0) > c.get("windows_cached", 0))
    assert first["windows_done"] - first["windows_cached"] == FIRST_CALL
    assert first["windows_per_s"] > 0
    phases = [e["phase"] for e in recorder.events]
    assert list(dict.fromkeys(phases)) == ["scan", "parse", "embed", "index", "publish"]
    store = SnapshotStore(data / "index")
    assert summary.snapshot_id is not None
    with store.open(summary.snapshot_id) as path:
        listing = json.loads((Path(path) / layout.CORPUS_FILE).read_text())
        [segment] = [p for p in (Path(path) / layout.SEGMENTS_DIR).iterdir()]
        assert (segment / layout.VECTORS).is_file() and (segment / layout.VECTOR_PARENTS).is_file()
        index = json.loads((Path(path) / layout.INDEX_FILE).read_text())
        assert index["dims"] == 384 and index["segments"][0]["live_windows"] == summary.windows_total
    assert listing["embedding"]["windows"] == summary.windows_total
    assert listing["embedding"]["dims"] == 384 and listing["embedding"]["coverage"] == 1.0
    manifest = store.current()
    assert manifest is not None and manifest.metadata["coverage"] == 1.0


@pytest.mark.parametrize(("question", "target"), QUESTIONS.items())
def test_dense_search_finds_documents_by_meaning_and_hybrid_fuses_both_rankings(
    embedded, question: str, target: str
) -> None:
    store = SnapshotStore(embedded[0] / "index")
    dense = search(store, question, k=3, mode="dense")
    assert dense.hits[0].file == target and dense.hits[0].retrievers == ["dense"]
    hybrid = search(store, question, k=3)
    assert hybrid.mode == "hybrid" and not hybrid.keyword_only
    # One chunk per document, fewer than the candidates a search takes: every chunk is a candidate
    # of each list, so the fused ranking can be recomputed by file from the two whole lists.
    lists = {mode: retrieve(store, question, k=20, mode=mode).found for mode in ("bm25", "dense")}
    expected = fuse({mode: [(f.record["file"], f.score) for f in found] for mode, found in lists.items()})
    assert [(h.file, tuple(h.retrievers), h.relevance) for h in hybrid.hits] == [
        (f.item, f.sources, round(100 * f.relevance)) for f in expected[:3]
    ]
    assert hybrid.hits[0].scores.keys() == set(hybrid.hits[0].retrievers)


def test_nothing_changed_embeds_nothing_and_one_new_file_embeds_only_its_windows(embedded) -> None:
    data, docs, first, _ = embedded
    again = ingest(data, docs)
    assert not again.changed and again.windows_embedded == 0
    assert again.windows_cached == again.windows_total == first.windows_total
    name, text = EXTRA_DOCUMENT
    (docs / name).write_text(text, encoding="utf-8")
    grown = ingest(data, docs)
    assert grown.changed and grown.windows_total > first.windows_total
    assert grown.windows_embedded == grown.windows_total - first.windows_total
    assert search(SnapshotStore(data / "index"), "openings of the board game", k=1).hits[0].file == name


def test_cancel_mid_embedding_keeps_finished_batches_and_the_next_run_resumes(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    name, text = EXTRA_DOCUMENT
    (docs / name).write_text(text * 6, encoding="utf-8")
    cancel = threading.Event()

    def cancel_after_two_batches(event: dict) -> None:
        if event["phase"] == "embed" and event["counts"].get("windows_done", 0) >= 2:
            cancel.set()

    with pytest.raises(IngestCancelled):
        ingest(
            tmp_path / "data", docs, cancel=cancel, reporter=Recorder(cancel_after_two_batches), embed_batch=1
        )
    kept = count(tmp_path / "data" / "cache")
    assert kept >= 2
    assert SnapshotStore(tmp_path / "data" / "index").current() is None
    assert workspaces_left(tmp_path / "data") == []
    resumed = ingest(tmp_path / "data", docs, embed_batch=1)
    assert resumed.windows_embedded == resumed.windows_total - kept
    assert count(tmp_path / "data" / "cache") == resumed.windows_total


def test_a_missing_or_wrong_model_folder_fails_before_any_work(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    with pytest.raises(EmbedderUnavailableError, match="does not exist"):
        ingest(tmp_path / "data", docs, embed_model=str(tmp_path / "no-model"))
    (tmp_path / "not-a-model").mkdir()
    (tmp_path / "not-a-model" / "config.json").write_text("{}")
    with pytest.raises(EmbedderUnavailableError, match="not a sentence-transformers model"):
        ingest(tmp_path / "data", docs, embed_model=str(tmp_path / "not-a-model"))
    assert SnapshotStore(tmp_path / "data" / "index").current() is None
    assert not (tmp_path / "data" / "cache").exists() or count(tmp_path / "data" / "cache") == 0
