"""Scanning sources: supported files, skipped ones with reasons, links that leave, loops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docmind import corpus_status
from docmind.corpus_status import corpus_rows
from docmind.ingest.index.listing import write_listing
from docmind.ingest.scan import content_hashes
from docmind.ingest.scan.corpus import Source, scan, unavailable_reason
from docmind.segments import layout
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.file_status import FileStatus
from docmind.segments.manifest import IndexManifest
from docmind_snapshots import SnapshotStore

from tests.support.run_engine import ingest


def test_scan_classifies_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    deep = src / "a" / "b" / "c" / "d" / "e" / "f"
    deep.mkdir(parents=True)
    (deep / "deep.md").write_text("deep")
    (src / "keep.txt").write_text("keep")
    (src / "image.png").write_bytes(b"png")
    (src / ".hidden.txt").write_text("hidden")
    (src / ".git").mkdir()
    (src / ".git" / "config.txt").write_text("x")
    (src / "big.txt").write_text("x" * 200)
    (src / "new\nline.txt").write_text("odd name")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret outside")
    (src / "escape.txt").symlink_to(outside)
    (src / "alias.txt").symlink_to(src / "keep.txt")
    (src / "a" / "loop").symlink_to(src)

    corpus = scan([Source(src, "documents")], max_file_bytes=100)

    names = [f.rel for f in corpus.files]
    assert names == ["a/b/c/d/e/f/deep.md", "alias.txt", "keep.txt", "new?line.txt"]
    reasons = {s.rel: s.reason for s in corpus.skipped}
    assert reasons["image.png"].startswith("unsupported file type")
    assert "larger than the limit" in reasons["big.txt"]
    assert reasons["escape.txt"] == "symlink leaves the source"
    assert any(r == "symlink loop" for r in reasons.values())
    assert not any("hidden" in n or ".git" in n for n in names + list(reasons))
    # A skipped regular file keeps its real size; a link that leaves or loops has none.
    sizes = {s.rel: s.size for s in corpus.skipped}
    assert sizes["image.png"] == 3 and sizes["big.txt"] == 200
    assert sizes["escape.txt"] is None
    assert all(size is None for rel, size in sizes.items() if reasons[rel] == "symlink loop")


def test_missing_source_is_reported(tmp_path: Path) -> None:
    corpus = scan([Source(tmp_path / "nope", "nope")], max_file_bytes=100)
    assert corpus.files == ()
    assert corpus.skipped[0].reason == "source not found"


def test_sources_are_prefixed_by_label(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "x.md").write_text("x")
    corpus = scan([Source(tmp_path / "lib", "lib")], max_file_bytes=100)
    assert [f.rel for f in corpus.files] == ["lib/x.md"]


def test_the_corpus_table_hash_memo_never_outgrows_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(content_hashes, "RACY_MARGIN_NS", 0)  # files written just now count as settled
    docs, store = tmp_path / "documents", SnapshotStore(tmp_path / "index")
    record = FileRecord(path="doc.md", source="documents", sha256="0" * 64, status=FileStatus.INDEXED)
    listing = CorpusListing(chunk_size=1024, chunk_overlap=200, settings={}, files=(record,))
    with store.begin() as workspace:
        write_listing(workspace.path, listing)  # a file without chunks: recorded in corpus.json itself
        (workspace.path / layout.INDEX_FILE).write_text(IndexManifest().model_dump_json())
        workspace.commit()
    docs.mkdir()
    for version in range(20):  # the file is rewritten between renders: each version is hashed once
        (docs / "doc.md").write_text("x" * (version + 1))
        rows = corpus_rows([Source(docs, "documents")], store, max_file_bytes=1000)
        assert [(row.name, row.status) for row in rows] == [("doc.md", FileStatus.CHANGED)]
        assert len(corpus_status.hash_memo) == 1  # only the file as it is now
    (docs / "doc.md").unlink()
    assert corpus_rows([Source(docs, "documents")], store, max_file_bytes=1000) == []
    assert len(corpus_status.hash_memo) == 0


def test_a_source_root_that_cannot_be_scanned_says_why(tmp_path: Path) -> None:
    folder, document = tmp_path / "folder", tmp_path / "one.md"
    folder.mkdir()
    document.write_text("text")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    os.mkfifo(tmp_path / "pipe")
    assert unavailable_reason(folder) == "" and unavailable_reason(document) == ""
    assert unavailable_reason(tmp_path / "gone") == "no such folder"
    assert unavailable_reason(tmp_path / "loop") == "symlink loop or dangling link"
    assert unavailable_reason(tmp_path / "pipe") == "not a folder or a regular file"


def test_the_corpus_table_lists_skipped_files_with_size_and_whole_reason(tmp_path: Path) -> None:
    docs, store = tmp_path / "documents", SnapshotStore(tmp_path / "index")
    docs.mkdir()
    (docs / "notes.md").write_text("text")
    (docs / "archive.tar.gz").write_bytes(b"x" * 5000)
    (docs / "huge.txt").write_bytes(b"y" * 3000)
    rows = corpus_rows([Source(docs, "documents")], store, max_file_bytes=2048)
    skipped = {row.name: row for row in rows if row.status == FileStatus.SKIPPED}
    assert skipped["archive.tar.gz"].size == 5000
    assert skipped["archive.tar.gz"].note == "unsupported file type .gz"
    assert skipped["huge.txt"].size == 3000
    assert skipped["huge.txt"].note == "larger than the limit of 2 KiB"
    missing = corpus_rows([Source(tmp_path / "gone", "gone")], store, max_file_bytes=2048)
    assert [(row.size, row.note) for row in missing] == [(None, "source not found")]


def test_the_page_and_the_next_ingestion_agree_on_a_file_rewritten_under_its_old_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(content_hashes, "RACY_MARGIN_NS", 0)  # files written just now count as settled
    docs, data = tmp_path / "docs", tmp_path / "data"
    docs.mkdir()
    (docs / "kept.md").write_text("A note about otters.\n")
    (docs / "edited.md").write_text("A note about badgers.\n")
    ingest(data, docs)
    store, sources = SnapshotStore(data / "index"), [Source(docs, "documents")]
    rows = corpus_rows(sources, store, max_file_bytes=1000)
    assert {row.name: row.status for row in rows} == {
        "kept.md": FileStatus.INDEXED,
        "edited.md": FileStatus.INDEXED,
    }
    # Same size, same modification time (a tool that restores it), new content: only the change time moves.
    edited = docs / "edited.md"
    before = edited.stat()
    edited.write_text("A note about beavers.\n")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    rows = corpus_rows(sources, store, max_file_bytes=1000)
    assert {row.name: row.status for row in rows} == {
        "kept.md": FileStatus.INDEXED,
        "edited.md": FileStatus.CHANGED,
    }
    again = ingest(data, docs)
    assert again.changed and again.files_indexed == 1
