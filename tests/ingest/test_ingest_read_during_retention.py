"""Readers of the active snapshot open the one active in their own store, whatever happens meanwhile.

A publish and a retention between reading CURRENT and opening the snapshot; two data dirs whose
snapshots have the same id.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

import pytest
from docmind.corpus_status import corpus_rows
from docmind.ingest.scan.corpus import Source
from docmind.search import search
from docmind.segments.file_status import FileStatus
from docmind_snapshots import SnapshotStore, workspace

from tests.support.corpus import make_text
from tests.support.retention_race import retention_at_the_first_pin
from tests.support.run_engine import ingest


def _two_snapshots_the_older_active(tmp_path: Path) -> tuple[SnapshotStore, str, str]:
    """Two published snapshots (the second adds ``second.md``), rolled back to the first."""
    docs, data = tmp_path / "docs", tmp_path / "data"
    make_text(docs / "first.md", phrase="albatross over the harbour")
    first = ingest(data, docs).snapshot_id
    make_text(docs / "second.md", phrase="narwhal under the ice")
    second = ingest(data, docs).snapshot_id
    assert first is not None and second is not None
    store = SnapshotStore(data / "index")
    store.activate(first)
    return store, first, second


def test_search_opens_the_new_active_snapshot_when_retention_removes_the_one_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, first, second = _two_snapshots_the_older_active(tmp_path)
    deleted = retention_at_the_first_pin(monkeypatch, store.root, activate=second)
    hits = search(store, "narwhal").hits
    assert deleted == [first], "the retention did not remove the snapshot the search read in CURRENT"
    assert [h.file for h in hits] == ["second.md"]


def test_the_corpus_table_reads_the_new_active_snapshot_when_retention_removes_the_one_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, first, second = _two_snapshots_the_older_active(tmp_path)
    deleted = retention_at_the_first_pin(monkeypatch, store.root, activate=second)
    rows = corpus_rows([Source(tmp_path / "docs", "documents")], store, max_file_bytes=1 << 20)
    assert deleted == [first]
    assert {row.name: row.status for row in rows} == {
        "first.md": FileStatus.INDEXED,
        "second.md": FileStatus.INDEXED,
    }


def test_two_data_dirs_with_the_same_snapshot_id_are_searched_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> FrozenClock:
            return cls(2026, 12, 1, 12, 0, 0, tzinfo=tz)

    monkeypatch.setattr(workspace, "datetime", FrozenClock)  # both first commits get one id
    make_text(tmp_path / "a" / "docs" / "first.md", phrase="albatross over the harbour")
    make_text(tmp_path / "b" / "docs" / "second.md", phrase="albatross under the ice")
    ids = {ingest(tmp_path / name / "data", tmp_path / name / "docs").snapshot_id for name in "ab"}
    assert len(ids) == 1
    for name, expected in (("a", "first.md"), ("b", "second.md")):
        hits = search(SnapshotStore(tmp_path / name / "data" / "index"), "albatross").hits
        assert [h.file for h in hits] == [expected]
