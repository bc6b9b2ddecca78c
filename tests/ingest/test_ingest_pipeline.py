"""The engine end to end on real files: publish, failure isolation, cache reuse, cancel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from docmind.executors.errors import IngestCancelled
from docmind.ingest.index.listing import read_listing
from docmind.ingest.parse import phase as parse_phase
from docmind.ingest.pipeline import NothingToPublishError
from docmind.ingest.scan import content_hashes
from docmind.search import search
from docmind.segments.corpus_listing import FileRecord
from docmind.segments.file_status import FileStatus
from docmind_snapshots import SnapshotStore, is_temporary
from pydantic import ValidationError

from tests.support.bad_files import write_bad_files
from tests.support.corpus import make_docx, make_html, make_pdf, make_text
from tests.support.datadir import workspaces_left
from tests.support.recorder import Recorder
from tests.support.run_engine import ingest


def _mixed(docs: Path) -> None:
    make_pdf(docs / "report.pdf", pages=3, phrase="quokka harbour phrase")
    make_docx(docs / "letter.docx", phrase="platypus letter phrase")
    make_html(docs / "page.html", phrase="wombat page phrase")
    make_text(docs / "notes.md", phrase="echidna notes phrase")
    make_text(docs / "guide.rst")
    make_text(docs / "plain.txt")
    (docs / "image.png").write_bytes(b"\x89PNG")
    (docs / ".hidden.txt").write_text("hidden")


def test_publishes_a_searchable_snapshot_with_a_manifest(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _mixed(docs)
    recorder = Recorder()
    summary = ingest(tmp_path / "data", docs, reporter=recorder)
    assert summary.snapshot_id is not None
    assert (summary.files_total, summary.files_indexed, summary.files_failed) == (6, 6, [])
    store = SnapshotStore(tmp_path / "data" / "index")
    current = store.current()
    assert current is not None and current.id == summary.snapshot_id
    with store.open(summary.snapshot_id) as path:
        listing = read_listing(Path(path))
    statuses = {f.path: f.status for f in listing.files}
    assert statuses["image.png"] == "skipped" and ".hidden.txt" not in statuses
    assert all(f.sha256 for f in listing.files if f.status == "indexed")
    hits = search(store, "quokka harbour phrase", k=3).hits
    assert hits[0].file == "report.pdf" and hits[0].page == 3
    assert search(store, "platypus", k=1).hits[0].file == "letter.docx"
    phases = [e["phase"] for e in recorder.events]
    assert phases.index("parse") < phases.index("index") < phases.index("publish")
    messages = [e["message"] for e in recorder.events]
    assert messages[0] == "scanning sources"
    assert messages.index("starting workers") < messages.index(
        "writing 6 files into new segments (0 kept as they are)"
    )
    sizes = {p.relative_to(docs).as_posix(): p.stat().st_size for p in docs.rglob("*") if p.is_file()}
    in_flight = [item for e in recorder.events for item in e["in_flight"]]
    assert in_flight, "no event listed a file in flight"
    assert all(sizes[name] == size and running >= 0 for name, size, running in in_flight)
    assert recorder.events[-1]["in_flight"] == []
    # Every event says how many items may be in flight (the two workers), and none holds more.
    assert all(e["counts"]["slots"] == 2 >= len(e["in_flight"]) for e in recorder.events)
    # The index build counts its chunks; the summary names what it added and what it skipped.
    last = recorder.events[-1]["counts"]
    assert last["index_done"] == last["index_total"] == summary.chunks > 0
    assert summary.files_added == 6 and summary.files_added_sample == sorted(listing.added)[:10]
    assert [(n.path, n.reason) for n in summary.files_skipped_sample] == [
        ("image.png", "unsupported file type .png")
    ]
    assert (last["files_added"], last["files_skipped"], last["sources_empty"]) == (6, 1, 0)


def test_bad_files_are_listed_and_the_rest_indexed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    expected = write_bad_files(docs, tmp_path)
    make_text(docs / "good.md", phrase="survivor phrase")
    summary = ingest(tmp_path / "data", docs)
    failed = {f.path: f.error for f in summary.files_failed}
    assert set(failed) == set(expected)
    for name, fragment in expected.items():
        assert fragment in failed[name]
    assert summary.files_indexed == 1 and summary.snapshot_id


def test_nothing_indexable_publishes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs).mkdir()
    (docs / "empty.txt").write_bytes(b"")
    with pytest.raises(NothingToPublishError, match="empty"):
        ingest(tmp_path / "data", docs)
    assert SnapshotStore(tmp_path / "data" / "index").current() is None
    assert workspaces_left(tmp_path / "data") == []


def test_rerun_and_one_new_file_reuse_the_cache(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _mixed(docs)
    first = ingest(tmp_path / "data", docs)
    again = ingest(tmp_path / "data", docs)
    assert again.files_cached == first.files_indexed and again.files_indexed == 0
    assert (again.changed, again.snapshot_id) == (False, first.snapshot_id)  # nothing was published
    make_text(docs / "extra.md", phrase="late arrival")
    third = ingest(tmp_path / "data", docs)
    assert (third.files_indexed, third.files_cached) == (1, first.files_indexed)
    assert third.changed and third.snapshot_id != first.snapshot_id


def test_unwritten_files_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    _mixed(docs)
    # Files written just now are "racily clean"; no margin lets this test trust them at once.
    monkeypatch.setattr(content_hashes, "RACY_MARGIN_NS", 0)
    first = ingest(tmp_path / "data", docs)
    hashed: list[str] = []
    real_hash = parse_phase.file_sha256
    monkeypatch.setattr(parse_phase, "file_sha256", lambda path: hashed.append(path.name) or real_hash(path))
    again = ingest(tmp_path / "data", docs)
    assert hashed == []
    assert (again.files_cached, again.files_indexed) == (first.files_indexed, 0)
    with (docs / "notes.md").open("a", encoding="utf-8") as handle:
        handle.write("\nA new paragraph about a numbat.\n")
    third = ingest(tmp_path / "data", docs)
    assert hashed == ["notes.md"]
    assert (third.files_indexed, third.files_cached) == (1, first.files_indexed - 1)
    assert [h.file for h in search(SnapshotStore(tmp_path / "data" / "index"), "numbat").hits] == ["notes.md"]


def test_cancel_mid_pdf_stops_the_work_and_publishes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    for i in range(6):
        make_pdf(docs / f"big-{i}.pdf", pages=60, seed=i)
    cancel = threading.Event()
    cut_short = tmp_path / "data" / "cache" / f".{'ef' * 32}.json.tmp-0123456789abcdef"

    def on_event(event: dict) -> None:
        if event["phase"] == "parse" and event["done"] and not cancel.is_set():
            cut_short.write_text("{")  # what a worker killed in the middle of a cache write leaves
            cancel.set()  # the first file is done; the other workers are inside their PDFs

    with pytest.raises(IngestCancelled):
        ingest(tmp_path / "data", docs, cancel=cancel, reporter=Recorder(on_event))
    assert SnapshotStore(tmp_path / "data" / "index").current() is None
    assert workspaces_left(tmp_path / "data") == []
    entries = list((tmp_path / "data" / "cache").rglob("*.json"))
    assert entries, "finished files stay cached"
    assert len(entries) < 6, "the cancel stopped the parse: the remaining PDFs were abandoned"
    assert not cut_short.exists(), "no temporary file is left once the cancelled job's workers are gone"


def test_a_deleted_cache_is_rebuilt_when_the_index_needs_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _mixed(docs)
    first = ingest(tmp_path / "data", docs)
    shutil.rmtree(tmp_path / "data" / "cache")
    make_text(docs / "extra.md", phrase="after the cache was wiped")
    second = ingest(tmp_path / "data", docs)
    assert second.files_cached == first.files_indexed and second.chunks > first.chunks
    store = SnapshotStore(tmp_path / "data" / "index")
    assert search(store, "platypus", k=1).hits[0].file == "letter.docx"


_CRASH_MID_WRITE = """
import os, sys
from pathlib import Path
from docmind.ingest.parse.chunk_cache import ChunkCache, fingerprint
cache = ChunkCache(Path(sys.argv[1]), fingerprint(1024, 200))
with cache.swept():
    shard = Path(sys.argv[2])
    (shard / (".%s.json.tmp-0123456789abcdef" % ("cd" * 32))).write_text('{"checksum": "half written')
    os._exit(9)  # the job's process dies with its workers' writes cut short
"""


def test_an_ingestion_sweeps_temp_files_that_a_crashed_ingestion_left_in_the_cache(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    make_text(docs / "notes.md", phrase="kept entry")
    ingest(tmp_path / "data", docs)
    cache = tmp_path / "data" / "cache"
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # a clean run leaves no mark
    shard = next(cache.rglob("*.json")).parent
    crashed = subprocess.run([sys.executable, "-c", _CRASH_MID_WRITE, str(cache), str(shard)], check=False)
    assert crashed.returncode == 9
    assert [p for p in shard.iterdir() if is_temporary(p.name)], "the crash left a temporary file"
    make_text(docs / "more.md", phrase="a new entry")
    ingest(tmp_path / "data", docs)
    assert [p for p in cache.rglob("*") if is_temporary(p.name) or p.name.startswith(".")] == []
    assert len(list(cache.rglob("*.json"))) == 2  # the entries themselves stay


def test_file_records_take_only_the_status_words(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _mixed(docs)
    (docs / "empty.txt").write_text("")
    (docs / "tool.exe").write_bytes(b"MZ")
    ingest(tmp_path / "data", docs)
    store = SnapshotStore(tmp_path / "data" / "index")
    current = store.current()
    assert current is not None
    listing = read_listing(store.path_of(current.id))
    statuses = {record.path: record.status for record in listing.files}
    assert all(isinstance(status, FileStatus) for status in statuses.values())
    assert statuses["empty.txt"] is FileStatus.FAILED and statuses["tool.exe"] is FileStatus.SKIPPED
    assert statuses["notes.md"] is FileStatus.INDEXED
    with pytest.raises(ValidationError):
        FileRecord(path="a.md", source="documents", status="indexd")  # type: ignore[arg-type]
