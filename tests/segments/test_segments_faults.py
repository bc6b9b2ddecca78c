"""Damage, readers and reclamation with segments: reported, never silently searched, never destructive."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from docmind.search import loaded, search
from docmind.segments import layout
from docmind_snapshots import SnapshotInUseError, SnapshotStore

from tests.support.cli import run_docmind
from tests.support.corpus import make_text
from tests.support.run_engine import ingest


def _two_snapshots(tmp_path: Path) -> tuple[Path, Path, str, str]:
    data, docs = tmp_path / "data", tmp_path / "docs"
    for number in range(3):
        make_text(docs / f"note-{number}.md", paragraphs=4, seed=number, phrase=f"lighthouse{number} keeper")
    first = ingest(data, docs, embed=False)
    make_text(docs / "late.md", paragraphs=2, seed=9, phrase="lighthouse late keeper")
    second = ingest(data, docs, embed=False)
    assert first.snapshot_id and second.snapshot_id
    return data, docs, first.snapshot_id, second.snapshot_id


def _new_segment(store: SnapshotStore, older: str, newer: str) -> Path:
    """The folder of the segment the newer snapshot has and the older one does not."""
    old = {p.name for p in (store.path_of(older) / layout.SEGMENTS_DIR).iterdir()}
    [fresh] = [p for p in (store.path_of(newer) / layout.SEGMENTS_DIR).iterdir() if p.name not in old]
    return fresh


def _flip_a_byte(path: Path) -> None:
    """Damage ``path`` in place, keeping its size (only a checksum can tell)."""
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_a_damaged_segment_is_reported_with_its_documents_and_search_falls_back(tmp_path: Path) -> None:
    data, _, first, second = _two_snapshots(tmp_path)
    store = SnapshotStore(data / "index")
    _flip_a_byte(_new_segment(store, first, second) / layout.POSTINGS_DOCS)
    loaded.forget(store, second)

    result = search(SnapshotStore(data / "index"), "lighthouse keeper", k=10, mode="bm25")
    assert result.snapshot_id == first  # answered from the newest snapshot that verifies ...
    assert result.warning is not None and f"snapshot {second} is damaged" in result.warning
    assert "late.md" not in {hit.file for hit in result.hits}
    current = SnapshotStore(data / "index").current()
    assert current is not None and current.id == first  # ... and CURRENT left the damaged one

    report = run_docmind(data, "verify", "--json")
    assert report.returncode == 1  # the damaged snapshot is still on disk: verify says so
    payload = json.loads(report.stdout)
    [damaged] = [s for s in payload["snapshots"] if s["snapshot_id"] == second]
    assert damaged["ok"] is False and damaged["documents_affected"] == ["late.md"]
    text = run_docmind(data, "verify")
    assert f"{second}: DAMAGED" in text.stdout and "documents affected: late.md" in text.stdout


def test_verify_moves_current_off_a_damaged_active_snapshot(tmp_path: Path) -> None:
    data, _, first, second = _two_snapshots(tmp_path)
    store = SnapshotStore(data / "index")
    _flip_a_byte(_new_segment(store, first, second) / layout.RECORDS)
    active = SnapshotStore(data / "index").current()
    assert active is not None and active.id == second  # opening reads no checksum
    report = run_docmind(data, "verify", "--json")
    payload = json.loads(report.stdout)
    assert report.returncode == 1 and payload["current"] == first
    assert any(f"snapshot {second} is damaged" in repair for repair in payload["repairs"])


def test_a_damaged_record_is_never_returned_as_text(tmp_path: Path) -> None:
    from docmind.segments.reader import SegmentDamagedError, SegmentReader

    data, _, first, second = _two_snapshots(tmp_path)
    folder = _new_segment(SnapshotStore(data / "index"), first, second)
    _flip_a_byte(folder / layout.RECORDS)
    with (
        SegmentReader(folder) as reader,
        pytest.raises(SegmentDamagedError, match="does not match its checksum"),
    ):
        reader.record(0)


def test_an_open_reader_keeps_its_snapshot_and_segments_until_it_closes(tmp_path: Path) -> None:
    data, docs, first, second = _two_snapshots(tmp_path)
    store = SnapshotStore(data / "index", retention=1)
    opened = loaded.loaded_snapshot(store, second)  # a search's reader: it pins the snapshot
    make_text(docs / "later.md", paragraphs=2, seed=10, phrase="lighthouse later keeper")
    third = ingest(data, docs, embed=False)
    assert third.snapshot_id
    assert store.apply_retention() == [first]  # retention keeps one (and the active): the pinned one stays
    assert second in {info.id for info in store.list()}
    with pytest.raises(SnapshotInUseError):
        store.delete(second)
    terms = ["lighthous", "keeper"]
    assert opened.index.bm25(terms, 10)  # still readable
    loaded.forget(store, second)
    del opened
    gc.collect()
    store.delete(second)  # no reader any more: it can go, and the segments the newer one names stay
    assert [info.id for info in store.list()] == [third.snapshot_id]
    assert store.verify(third.snapshot_id).ok
    result = search(SnapshotStore(data / "index"), "lighthouse keeper", k=10, mode="bm25")
    assert result.snapshot_id == third.snapshot_id and {"late.md", "later.md"} <= {
        hit.file for hit in result.hits
    }
