"""What a new listing changes against the active one: the settings signature and one comparison."""

from __future__ import annotations

import threading
from pathlib import Path

from docmind.ingest.parse.splitter import NAME as SPLITTER
from docmind.ingest.pipeline import run_ingestion
from docmind.ingest.publish.changes import Change, change_between, removed_paths, settings_signature
from docmind.ingest.publish.summary import IngestSummary
from docmind.ingest.scan.corpus import Source
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.file_status import FileStatus
from docmind.segments.layout import SEGMENTS_DIR
from docmind.settings import Settings
from docmind_snapshots import SnapshotStore

from tests.support.corpus import make_text
from tests.support.datadir import workspaces_left

SIGNATURE: dict[str, int | str] = {
    "pipeline": 3,
    "splitter": SPLITTER,
    "chunk_size": 1024,
    "chunk_overlap": 200,
    "embed": "off",
}


def _listing(*records: FileRecord, settings: dict[str, int | str] = SIGNATURE) -> CorpusListing:
    return CorpusListing(chunk_size=1024, chunk_overlap=200, settings=settings, files=records)


def _file(path: str, sha: str = "", status: FileStatus = FileStatus.INDEXED, error: str = "") -> FileRecord:
    return FileRecord(path=path, source="s", sha256=sha or f"sha-{path}", status=status, error=error)


def test_the_signature_names_every_setting_that_shapes_the_index() -> None:
    settings = Settings(chunk_size=512, chunk_overlap=64)
    assert settings_signature(settings, None) == {**SIGNATURE, "chunk_size": 512, "chunk_overlap": 64}
    assert settings_signature(settings, "fp")["embed"] == "fp"  # a new model or window is a new index


def test_change_between_listings() -> None:
    bad = _file("bad.txt", status=FileStatus.FAILED, error="x")
    active = _listing(_file("a.md"), _file("b.md", status=FileStatus.CACHED), bad)
    same = _listing(_file("a.md", status=FileStatus.CACHED), _file("b.md"), bad)
    assert change_between(active, same) is Change.NONE  # indexed and cached both mean "in the index"
    assert change_between(None, same) is Change.INDEX
    resized = _listing(*same.files, settings={**SIGNATURE, "chunk_size": 512})
    assert change_between(active, resized) is Change.INDEX
    edited = _listing(_file("a.md", sha="new"), _file("b.md"), bad)
    assert change_between(active, edited) is Change.INDEX
    gone = _listing(_file("a.md"), bad)
    assert change_between(active, gone) is Change.INDEX
    new_failure = _listing(*same.files, _file("worse.txt", status=FileStatus.FAILED, error="empty file"))
    assert change_between(active, new_failure) is Change.LISTING
    new_skip = _listing(*same.files, _file("x.png", sha="-", status=FileStatus.SKIPPED, error="unsupported"))
    assert change_between(active, new_skip) is Change.LISTING


def test_removed_paths_are_indexed_files_the_new_listing_does_not_list() -> None:
    failed = _file("x.txt", status=FileStatus.FAILED)
    active = _listing(_file("a.md"), _file("b.md"), _file("c.md", status=FileStatus.CACHED), failed)
    assert removed_paths(active, ["a.md", "b.md"]) == ["c.md"]  # a failed file was never in the index
    assert removed_paths(active, []) == ["a.md", "b.md", "c.md"]
    assert removed_paths(None, []) == []


def _ingest(data: Path, docs: Path) -> IngestSummary:
    return run_ingestion(
        settings=Settings(data_dir=data, workers=1),
        sources=[Source(docs, "documents")],
        store=SnapshotStore(data / "index"),
        cache_root=data / "cache",
        reporter=_Silent(),
        cancel=threading.Event(),
        owner="test",
    )


class _Silent:
    def report(
        self, phase, *, done=None, total=None, message="", item=None, counts=None, in_flight=()
    ) -> None:
        """Progress is not looked at here."""


def test_the_pipeline_publishes_nothing_when_nothing_changed_and_links_an_unchanged_index(
    tmp_path: Path,
) -> None:
    data, docs = tmp_path / "data", tmp_path / "docs"
    make_text(docs / "a.md", phrase="otter")
    first = _ingest(data, docs)
    store = SnapshotStore(data / "index")
    [published] = store.list()

    again = _ingest(data, docs)
    assert (again.changed, again.snapshot_id, again.files_removed) == (False, first.snapshot_id, 0)
    assert [info.id for info in store.list()] == [published.id]
    assert workspaces_left(data) == []

    (docs / "empty.txt").write_bytes(b"")  # a new failure: same index, new listing
    listing_only = _ingest(data, docs)
    assert listing_only.changed and listing_only.snapshot_id != first.snapshot_id
    assert first.snapshot_id and listing_only.snapshot_id
    old, new = (store.path_of(i) / SEGMENTS_DIR for i in (first.snapshot_id, listing_only.snapshot_id))
    segment_files = [item for item in old.rglob("*") if item.is_file()]
    assert segment_files
    for item in segment_files:
        twin = new / item.relative_to(old)
        assert twin.stat().st_ino == item.stat().st_ino  # hard links, not a rebuild
