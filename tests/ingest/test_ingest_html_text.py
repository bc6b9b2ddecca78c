"""HTML text extraction (Lexbor) gives the words Beautiful Soup's ``html.parser`` gave."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from docmind.ingest.parse.html_text import HIDDEN_ELEMENTS, html_to_text
from docmind.ingest.parse.parsers import ParseError, never_cancelled, parse_file

from tests.support.corpus import make_html
from tests.support.html_pages import write_html_pages

HIDDEN_MARKERS = ("onlyInScript", "onlyInStyle", "onlyInNoscript", "onlyInTemplate", "onlyInComment")


def reference_text(raw: bytes) -> str:
    """The extraction DocMind used before (Beautiful Soup with ``html.parser``): the golden text."""
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(list(HIDDEN_ELEMENTS)):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_html_pages(tmp_path_factory.mktemp("html"))


def test_same_words_as_the_reference_on_every_page(pages: list[Path]) -> None:
    for page in pages:
        raw = page.read_bytes()
        assert html_to_text(raw).split() == reference_text(raw).split(), page.name


def test_where_the_reference_differs_lexbor_reads_as_a_browser() -> None:
    """The two known differences: HTML5 drops CDATA outside SVG/MathML and keeps unknown entities."""
    raw = b"<p>before <![CDATA[ cdata words ]]> after &unknownentity; end</p>"
    assert html_to_text(raw) == "before\nafter &unknownentity; end"
    assert reference_text(raw).split() == ["before", "cdata", "words", "after", "&unknownentity", "end"]


def test_hidden_elements_and_comments_never_reach_the_text(pages: list[Path]) -> None:
    texts = {page.name: html_to_text(page.read_bytes()) for page in pages}
    for name, text in texts.items():
        assert not any(marker in text for marker in HIDDEN_MARKERS), name
    assert "Common pathname manipulations" in texts["sphinx.html"]
    assert "After the script, text continues" in texts["broken.html"]


def test_declared_and_undeclared_encodings_decode(pages: list[Path]) -> None:
    texts = {page.name: html_to_text(page.read_bytes()) for page in pages}
    assert "Stéphane, Jérôme and Jörg" in texts["latin1-declared.html"]
    assert "日本語 — “quoted”" in texts["utf8-undeclared.htm"]
    assert "“quotes” and an en – dash, € 5." in texts["windows1252-undeclared.html"]
    assert texts["bom-utf8.html"] == "Text after a byte-order mark."


def test_lines_are_stripped_and_never_empty(pages: list[Path]) -> None:
    for page in pages:
        lines = html_to_text(page.read_bytes()).split("\n")
        assert all(line and line == line.strip() for line in lines), page.name


def test_page_of_only_markup_is_a_parse_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><head><script>var x = 1;</script></head><body> <p> </p></body></html>")
    with pytest.raises(ParseError, match="no text found"):
        parse_file(empty, never_cancelled)


def test_parse_file_returns_one_unlabelled_page(tmp_path: Path) -> None:
    page = make_html(tmp_path / "p.html", phrase="kestrel marker phrase")
    [(label, text)] = parse_file(page, never_cancelled)
    assert label is None
    assert "kestrel marker phrase" in text
