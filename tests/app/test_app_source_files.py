"""A download serves only files of the active snapshot's corpus, inside their source; excerpts render as
marked text."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmind.ingest.scan.corpus import Source
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.file_status import FileStatus
from docmind.source_files import GONE, NotServedError, SnapshotFiles, read_served
from docmind.ui.search_results import marked_excerpt

LISTED = {
    "sub/a.md": ("documents", FileStatus.INDEXED),
    "lib/deep/b.pdf": ("lib", FileStatus.CACHED),
    "single/one.txt": ("single", FileStatus.INDEXED),
    "lib/broken.pdf": ("lib", FileStatus.FAILED),
    "lib/image.png": ("lib", FileStatus.SKIPPED),
    "lib/escape.md": ("lib", FileStatus.INDEXED),
    "lib/gone.md": ("lib", FileStatus.INDEXED),
    "old/c.md": ("old", FileStatus.INDEXED),
}


def _corpus(tmp_path: Path) -> tuple[CorpusListing, list[Source]]:
    docs, library = tmp_path / "documents", tmp_path / "lib"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "a.md").write_text("a")
    (library / "deep").mkdir(parents=True)
    (library / "deep" / "b.pdf").write_bytes(b"%PDF")
    (library / "deep" / "unlisted.md").write_text("added after the snapshot")
    (library / "broken.pdf").write_bytes(b"%PDF broken")
    (library / "image.png").write_bytes(b"\x89PNG")
    single = tmp_path / "one.txt"
    single.write_text("one")
    (tmp_path / "secret.txt").write_text("no")
    (library / "escape.md").symlink_to(tmp_path / "secret.txt")  # a listed name that now leads outside
    records = [FileRecord(path=name, source=label, status=status) for name, (label, status) in LISTED.items()]
    listing = CorpusListing(chunk_size=1024, chunk_overlap=200, settings={}, files=tuple(records))
    return listing, [Source(docs, "documents"), Source(library, "lib"), Source(single, "single")]


def _refusal(files: SnapshotFiles, name: str) -> str:
    with pytest.raises(NotServedError) as refused:
        files.file(name)
    return str(refused.value)


def test_listed_files_resolve_to_their_files(tmp_path: Path) -> None:
    files = SnapshotFiles(*_corpus(tmp_path))
    assert files.file("sub/a.md") == (tmp_path / "documents" / "sub" / "a.md").resolve()
    assert files.file("lib/deep/b.pdf") == (tmp_path / "lib" / "deep" / "b.pdf").resolve()
    assert files.file("single/one.txt") == (tmp_path / "one.txt").resolve()
    assert read_served(files.file("sub/a.md")) == b"a"


def test_anything_else_is_refused_with_the_reason(tmp_path: Path) -> None:
    files = SnapshotFiles(*_corpus(tmp_path))
    not_listed = "No download: this file is not in the active snapshot's corpus."
    for name in (
        "lib/deep/unlisted.md",
        "lib/broken.pdf",
        "lib/image.png",
        "../secret.txt",
        "lib/../secret.txt",
    ):
        assert _refusal(files, name) == not_listed, name
    assert _refusal(files, "lib/escape.md") == "No download: the file now leads outside its source folder."
    assert _refusal(files, "lib/gone.md") == GONE
    assert _refusal(files, "old/c.md") == "No download: its source folder is no longer part of the corpus."
    unreadable = SnapshotFiles(None, _corpus(tmp_path / "again")[1])
    assert (
        _refusal(unreadable, "sub/a.md") == "No download: the active snapshot's list of files cannot be read."
    )


def test_a_symlink_put_in_place_of_a_served_file_is_not_followed(tmp_path: Path) -> None:
    files = SnapshotFiles(*_corpus(tmp_path))
    served = files.file("sub/a.md")
    served.unlink()
    served.symlink_to(tmp_path / "secret.txt")  # between the page's render and the click
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        read_served(served)


def test_marked_excerpt_escapes_everything_but_the_marks() -> None:
    text = "1. Introduction: `index` <b>bold</b> https://x.org/index & more"
    marked = marked_excerpt(text, "index")
    assert marked.count("<mark>index</mark>") == 2
    assert "&lt;b&gt;bold&lt;/b&gt;" in marked and "&amp; more" in marked
    assert marked.startswith("1. Introduction: `")
