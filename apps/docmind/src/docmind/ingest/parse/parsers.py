"""Turning one file's bytes into text pages, with a cancel check between PDF pages.

Each parser returns a list of ``(page_label, text)``; ``page_label`` is ``None`` for formats
without pages. Parsers raise :class:`ParseError` with a short, human reason for files they
cannot read; the reason never contains document text. They parse bytes already in memory, never
a path: the caller hashes exactly the bytes it parses (a file saved meanwhile cannot make the
chunks of one version be cached under the hash of another), and PDFium never reads a file that
changes under it.
"""

from __future__ import annotations

import codecs
import io
import threading
from collections.abc import Callable
from pathlib import Path

Page = tuple[str | None, str]
CancelCheck = Callable[[], bool]
PageProgress = Callable[[int, int], None]
"""Called with (pages read, pages in the document) as a PDF is read."""


class ParseError(Exception):
    """A file cannot be turned into text; ``str(exc)`` is the reason shown to people."""


class ParseCancelled(Exception):
    """The cancel check fired while parsing."""


def parse_file(path: Path, cancelled: CancelCheck, on_page: PageProgress | None = None) -> list[Page]:
    """Read ``path`` once and parse its bytes (see :func:`parse_bytes`).

    Raises:
        OSError: the file cannot be read.
        ParseError: the file is encrypted, damaged, empty or not text.
        ParseCancelled: ``cancelled()`` returned true between pages.
    """
    return parse_bytes(path.name, path.read_bytes(), cancelled, on_page)


def parse_bytes(
    name: str, data: bytes, cancelled: CancelCheck, on_page: PageProgress | None = None
) -> list[Page]:
    """Parse ``data``, the content of a file called ``name``, by the name's extension.

    ``on_page`` hears of each PDF page read (a long PDF moves).

    Raises:
        ParseError: the content is encrypted, damaged, empty or not text.
        ParseCancelled: ``cancelled()`` returned true between pages.
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        return _parse_pdf(data, cancelled, on_page)
    if suffix in (".html", ".htm"):
        return [(None, _parse_html(data))]
    if suffix == ".docx":
        return [(None, _parse_docx(data))]
    return [(None, _parse_text(data))]


def _parse_pdf(data: bytes, cancelled: CancelCheck, on_page: PageProgress | None) -> list[Page]:
    """Text per page through PDFium (pypdfium2): about 9x faster than pypdf on our corpus."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise ParseError("encrypted PDF (password required)") from exc
        raise ParseError(
            f"damaged PDF ({reason.rpartition('PDFium: ')[2].rstrip(').') or 'unreadable'})"
        ) from exc
    pages: list[Page] = []
    try:
        count = len(document)
        for index in range(count):
            if cancelled():
                raise ParseCancelled
            page = document[index]
            textpage = page.get_textpage()
            text = _clean_pdf_text(textpage.get_text_range())
            textpage.close()
            page.close()
            if text.strip():
                pages.append((str(index + 1), text))
            if on_page is not None:
                on_page(index + 1, count)
    except pdfium.PdfiumError as exc:
        raise ParseError(f"damaged PDF ({exc})") from exc
    finally:
        document.close()
    if not pages:
        raise ParseError("PDF has no text layer (scanned images?)")
    return pages


def _clean_pdf_text(text: str) -> str:
    # PDFium marks soft hyphens with U+FFFE and ends lines with CRLF.
    return text.replace("\ufffe", "").replace("\r\n", "\n").replace("\x00", "")


def _parse_html(raw: bytes) -> str:
    from docmind.ingest.parse.html_text import html_to_text

    return _require_text(html_to_text(raw))


def _parse_docx(raw: bytes) -> str:
    import zipfile

    import docx2txt

    try:
        text = docx2txt.process(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ParseError(f"damaged Word file ({type(exc).__name__})") from exc
    return _require_text(text or "")


def _parse_text(raw: bytes) -> str:
    if not raw:
        raise ParseError("empty file")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return _decode(raw, encoding)
    if b"\x00" in raw[:8192]:
        raise ParseError("binary content, not text")
    return _decode(raw, "utf-8")


def _decode(raw: bytes, encoding: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not valid {encoding.upper().removesuffix('-SIG')} text (byte {exc.start})"
        ) from exc
    return _require_text(text)


def _require_text(text: str) -> str:
    if not text.strip():
        raise ParseError("no text found")
    return text


def never_cancelled() -> bool:
    """A cancel check for callers without cancellation."""
    return False


def event_check(event: threading.Event) -> CancelCheck:
    """Adapt an event to a cancel check."""
    return event.is_set
