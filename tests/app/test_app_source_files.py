"""Index names lead back to the files on disk, never outside their source; excerpts render as marked text."""

from __future__ import annotations

from pathlib import Path

from docmind.ingest.corpus import Source
from docmind.source_files import source_file
from docmind.ui.search_results import marked_excerpt


def _sources(tmp_path: Path) -> list[Source]:
    docs, library = tmp_path / "documents", tmp_path / "lib"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "a.md").write_text("a")
    (library / "deep").mkdir(parents=True)
    (library / "deep" / "b.pdf").write_bytes(b"%PDF")
    single = tmp_path / "one.txt"
    single.write_text("one")
    (tmp_path / "secret.txt").write_text("no")
    return [Source(docs, "documents"), Source(library, "lib"), Source(single, "single")]


def test_names_resolve_to_their_files(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    assert source_file(sources, "sub/a.md") == (tmp_path / "documents" / "sub" / "a.md").resolve()
    assert source_file(sources, "lib/deep/b.pdf") == (tmp_path / "lib" / "deep" / "b.pdf").resolve()
    assert source_file(sources, "single/one.txt") == (tmp_path / "one.txt").resolve()


def test_missing_and_escaping_names_give_nothing(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    assert source_file(sources, "gone.md") is None
    assert source_file(sources, "../secret.txt") is None
    assert source_file(sources, "lib/../secret.txt") is None
    assert source_file(sources, "lib/deep") is None  # a folder is not a document


def test_marked_excerpt_escapes_everything_but_the_marks() -> None:
    text = "1. Introduction: `index` <b>bold</b> https://x.org/index & more"
    marked = marked_excerpt(text, "index")
    assert marked.count("<mark>index</mark>") == 2
    assert "&lt;b&gt;bold&lt;/b&gt;" in marked and "&amp; more" in marked
    assert marked.startswith("1. Introduction: `")
