"""An OpenAI-compatible embedding endpoint: checked before any work, failures midway fail the job."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmind.embed.cache import count
from docmind.embed.spec import EmbedderUnavailableError
from docmind.ingest.embed.phase import EmbedFailedError
from docmind.search import search
from docmind_snapshots import SnapshotStore

from tests.embed.test_embed_pipeline import ingest
from tests.support.datadir import workspaces_left
from tests.support.embedding_server import Behaviour, embedding_server
from tests.support.prose import QUESTIONS, write_prose
from tests.support.sockets import unused_port


def _nothing_published(data: Path) -> None:
    assert SnapshotStore(data / "index").current() is None
    assert workspaces_left(data) == []


def test_an_unreachable_endpoint_fails_before_any_work(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    url = f"http://127.0.0.1:{unused_port()}/v1"
    with pytest.raises(
        EmbedderUnavailableError, match=r"embedding endpoint .*/v1/embeddings failed: ConnectError"
    ):
        ingest(tmp_path / "data", docs, embed_url=url)
    _nothing_published(tmp_path / "data")
    assert not (tmp_path / "data" / "cache").exists() or count(tmp_path / "data" / "cache") == 0


def test_an_endpoint_makes_a_searchable_snapshot(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    behaviour = Behaviour()
    with embedding_server(behaviour) as url:
        summary = ingest(tmp_path / "data", docs, embed_url=url, embed_model="all-minilm")
        question, target = next(iter(QUESTIONS.items()))
        result = search(SnapshotStore(tmp_path / "data" / "index"), question, k=1, mode="dense")
    assert summary.embed_model == "all-minilm" and summary.coverage == 1.0
    assert behaviour.texts == 1 + summary.windows_embedded + 2  # the probe; the windows; canary + query
    assert result.hits[0].file == target


def test_an_endpoint_failing_midway_fails_the_job_and_keeps_finished_batches(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    failing = pytest.raises(EmbedFailedError, match=r"embedding failed at \S+\.(md|txt|rst): .*500")
    with embedding_server(Behaviour(fail_after=3)) as url, failing:  # the probe and two batches, then errors
        ingest(tmp_path / "data", docs, embed_url=url, embed_batch=1)
    _nothing_published(tmp_path / "data")
    assert count(tmp_path / "data" / "cache") == 2


def test_vectors_of_another_size_midway_fail_the_job(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    failing = pytest.raises(EmbedFailedError, match=r"vectors of shape \(1, 768\)")
    with (
        embedding_server(Behaviour(resize_after=2)) as url,
        failing,
    ):  # the probe and one batch, then 768 dims
        ingest(tmp_path / "data", docs, embed_url=url, embed_batch=1)
    _nothing_published(tmp_path / "data")
    assert count(tmp_path / "data" / "cache") == 1
