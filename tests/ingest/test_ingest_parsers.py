"""Each reader on real files, and a clear reason for every broken one."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from docmind.ingest.parse.parsers import ParseCancelled, ParseError, never_cancelled, parse_file

from tests.support.bad_files import write_bad_files
from tests.support.corpus import SYSTEM_PDFS, make_docx, make_html, make_pdf, make_text


@pytest.mark.parametrize("pdf", [p for p in SYSTEM_PDFS if p.exists()], ids=lambda p: p.name)
def test_system_pdfs_parse_per_page_with_page_numbers(pdf: Path) -> None:
    pages = parse_file(pdf, never_cancelled)
    assert len(pages) > 5
    labels = [label for label, _ in pages]
    assert labels[0] == "1"
    assert all(label is not None and label.isdigit() for label in labels)
    assert sum(len(text) for _, text in pages) > 10_000


def test_every_pdf_page_read_is_told_with_the_page_count(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", pages=3)
    read: list[tuple[int, int]] = []
    parse_file(pdf, never_cancelled, lambda done, total: read.append((done, total)))
    assert read == [(1, 3), (2, 3), (3, 3)]


def test_generated_pdf_keeps_phrase_on_last_page(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", pages=4, phrase="zebra crossing phrase")
    pages = parse_file(pdf, never_cancelled)
    assert [label for label, _ in pages] == ["1", "2", "3", "4"]
    assert "zebra crossing phrase" in " ".join(pages[-1][1].split())


def test_docx_html_and_text_formats(tmp_path: Path) -> None:
    docx = parse_file(make_docx(tmp_path / "w.docx", phrase="docx marker phrase"), never_cancelled)
    html = parse_file(make_html(tmp_path / "p.html", phrase="html marker phrase"), never_cancelled)
    md = parse_file(make_text(tmp_path / "n.md", phrase="markdown marker"), never_cancelled)
    rst = parse_file(make_text(tmp_path / "n.rst", phrase="rest marker"), never_cancelled)
    assert "docx marker phrase" in docx[0][1]
    assert "html marker phrase" in html[0][1]
    assert "<p>" not in html[0][1] and "scriptOnlyToken" not in html[0][1]
    assert "markdown marker" in md[0][1]
    assert "rest marker" in rst[0][1]
    assert all(label is None for label, _ in docx + html + md + rst)


def test_utf16_with_bom_is_text(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "wide text here".encode("utf-16-le"))
    assert parse_file(path, never_cancelled) == [(None, "wide text here")]


def test_every_broken_file_has_a_reason(tmp_path: Path) -> None:
    expected = write_bad_files(tmp_path / "bad", tmp_path)
    for name, fragment in expected.items():
        with pytest.raises(ParseError) as caught:
            parse_file(tmp_path / "bad" / name, never_cancelled)
        assert fragment in str(caught.value), name


def test_cancel_is_checked_between_pdf_pages(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "long.pdf", pages=6)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(ParseCancelled):
        parse_file(pdf, cancelled)
    assert len(calls) == 3
