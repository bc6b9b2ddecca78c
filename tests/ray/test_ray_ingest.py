"""The engine on a real Ray runtime (started by this test process): same snapshot, cancel, refusals.

One local Ray runtime serves the whole module (``docmind.executors.ray.runtime`` keeps the
connection), as it serves the app for its lifetime.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from docmind.executors.errors import IngestCancelled, RayUnavailableError
from docmind.ingest.parse.chunk_cache import ChunkCache, fingerprint
from docmind.search import search
from docmind.segments.file_status import FileStatus
from docmind_snapshots import SnapshotStore

from tests.support.bad_files import write_bad_files
from tests.support.corpus import make_docx, make_html, make_pdf, make_text
from tests.support.datadir import assert_store_whole
from tests.support.prose import QUESTIONS, write_prose
from tests.support.ray_processes import running_ray_tasks
from tests.support.recorder import Recorder
from tests.support.run_engine import ingest, listing
from tests.support.saved_meanwhile import ORIGINAL, REWRITTEN, save_after_the_job_hashes, sha
from tests.support.slow_texts import write_slow_texts
from tests.support.sockets import unused_port

QUERIES = ("quokka harbour phrase", "platypus letter", "wombat page", "echidna notes", "ledger summit river")


def _files(data: Path) -> list[tuple]:
    return sorted((f.path, f.status, f.sha256, f.pages, f.chunks, f.error) for f in listing(data).files)


def _hits(data: Path) -> list[list[tuple]]:
    store = SnapshotStore(data / "index")
    return [[(h.file, h.page, round(h.score, 6)) for h in search(store, q, k=5).hits] for q in QUERIES]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("corpus")
    make_pdf(docs / "report.pdf", pages=4, phrase="quokka harbour phrase")
    make_docx(docs / "letter.docx", phrase="platypus letter phrase")
    make_html(docs / "page.html", phrase="wombat page phrase")
    make_text(docs / "notes.md", phrase="echidna notes phrase")
    make_text(docs / "guide.rst", paragraphs=40, seed=3)
    make_text(docs / "nested" / "plain.txt", paragraphs=60, seed=4)
    write_bad_files(docs / "bad", tmp_path_factory.mktemp("bad-sources"))
    return docs


@pytest.fixture(scope="module")
def local_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("local")
    assert ingest(data, corpus, executor="local").ray_workers == []  # parsed here, by no Ray worker
    return data


@pytest.mark.parametrize("documents", ["store", "shared"])
def test_ray_builds_the_snapshot_the_local_pool_builds(
    documents: str, corpus: Path, local_run: Path, tmp_path: Path
) -> None:
    recorder = Recorder()
    summary = ingest(tmp_path, corpus, executor="ray", ray_documents=documents, reporter=recorder)
    assert summary.snapshot_id is not None
    assert _files(tmp_path) == _files(local_run)
    assert _hits(tmp_path) == _hits(local_run)
    failed = [f for f in listing(tmp_path).files if f.status == FileStatus.FAILED]
    assert failed and all(f.error and "docmind-ray-" not in f.error for f in failed)
    messages = [e["message"] for e in recorder.events]
    index_step = next(m for m in messages if m.startswith("writing ") and "new segments" in m)
    assert messages.index("connecting to Ray") < messages.index(index_step)
    # From the parse on, the slots are Ray's window of tasks (2 × the runtime's 2 CPUs), never overfilled.
    assert {e["counts"]["slots"] for e in recorder.events if e["phase"] == "parse"} == {4}
    assert all(len(e["in_flight"]) <= e["counts"]["slots"] for e in recorder.events)
    assert summary.files_indexed == sum(f.status == FileStatus.INDEXED for f in listing(local_run).files)
    parsed_on_ray = sum(worker.files for worker in summary.ray_workers)  # the driver's pid is not among them
    assert summary.files_indexed <= parsed_on_ray <= summary.files_indexed + len(summary.files_failed)
    assert os.getpid() not in {worker.pid for worker in summary.ray_workers}


def test_a_second_ray_run_takes_every_file_from_the_cache(corpus: Path, tmp_path: Path) -> None:
    ingest(tmp_path, corpus, executor="ray")
    shutil.rmtree(tmp_path / "index")  # no snapshot to take counts from: only the chunk cache answers
    again = ingest(tmp_path, corpus, executor="ray")
    assert again.files_indexed == 0 and again.files_cached > 0


@pytest.mark.parametrize("documents", ["store", "shared"])
def test_a_file_saved_between_hash_and_parse_is_cached_under_the_hash_of_what_was_parsed(
    documents: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    make_text(docs / "other.md", seed=1)
    target = docs / "saved.md"
    target.write_text(ORIGINAL, encoding="utf-8")
    hashed = save_after_the_job_hashes(monkeypatch, target)
    ingest(data, docs, executor="ray", ray_documents=documents)
    assert hashed == [sha(ORIGINAL)], "the seam did not run between the driver's hash and the parse"
    published = listing(data)
    assert {f.path: f.sha256 for f in published.files}["saved.md"] == sha(REWRITTEN)
    cache = ChunkCache(data / "cache", fingerprint(published.chunk_size, published.chunk_overlap))
    entry = cache.get(sha(REWRITTEN))
    assert cache.get(sha(ORIGINAL)) is None and entry is not None and "narwhal" in entry.chunks[0].text
    monkeypatch.undo()
    target.write_text(ORIGINAL, encoding="utf-8")
    assert ingest(data, docs, executor="ray", ray_documents=documents).files_indexed == 1
    assert [h.file for h in search(SnapshotStore(data / "index"), "albatross").hits] == ["saved.md"]


def test_cancel_stops_the_ray_tasks_and_publishes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_slow_texts(docs, count=8)
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def cancel_after_the_first_file(event: dict) -> None:
        if event["counts"].get("files_done", 0) >= 1 and not cancel.is_set():
            cancelled_at.append(time.monotonic())
            cancel.set()

    with pytest.raises(IngestCancelled):
        ingest(
            tmp_path / "data",
            docs,
            executor="ray",
            cancel=cancel,
            reporter=Recorder(cancel_after_the_first_file),
        )
    regained = time.monotonic() - cancelled_at[0]
    assert regained < 5, f"the driver regained control {regained:.1f} s after the cancel"
    assert assert_store_whole(tmp_path / "data") is None
    deadline = time.monotonic() + 5
    while running_ray_tasks("parse_remote") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running_ray_tasks("parse_remote") == [], "a cancelled Ray task kept running"
    resumed = ingest(tmp_path / "data", docs, executor="ray")
    assert resumed.files_cached >= 1 and resumed.files_indexed + resumed.files_cached == 8


def test_an_unreachable_ray_address_fails_before_any_work(corpus: Path, tmp_path: Path) -> None:
    recorder = Recorder()
    address = f"127.0.0.1:{unused_port()}"
    with pytest.raises(RayUnavailableError) as caught:
        ingest(tmp_path, corpus, executor="ray", ray_address=address, reporter=recorder)
    message = str(caught.value)
    assert address in message and "\n" not in message and "DOCMIND_RAY_ADDRESS" in message
    assert {e["phase"] for e in recorder.events} <= {"scan"}
    assert assert_store_whole(tmp_path) is None


def test_embedding_on_ray_gives_the_vectors_of_the_local_pool(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    local = ingest(tmp_path / "local", docs, executor="local", embed=True)
    on_ray = ingest(tmp_path / "ray", docs, executor="ray", embed=True)
    assert on_ray.windows_embedded == local.windows_embedded == on_ray.windows_total > 0
    assert on_ray.coverage == 1.0
    for question, answer in QUESTIONS.items():
        hits = {
            name: [
                (h.file, round(h.score, 4))
                for h in search(SnapshotStore(tmp_path / name / "index"), question, mode="dense").hits
            ]
            for name in ("local", "ray")
        }
        assert hits["ray"] == hits["local"] and hits["ray"][0][0] == answer
    deadline = time.monotonic() + 10  # ray.kill returns before the actor's process has exited
    while running_ray_tasks("BatchWorker") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running_ray_tasks("BatchWorker") == [], "the embedding actor outlived its phase"
