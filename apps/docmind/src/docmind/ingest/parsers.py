"""Turning one file into text pages, with a cancel check between PDF pages.

Each parser returns a list of ``(page_label, text)``; ``page_label`` is ``None`` for formats
without pages. Parsers raise :class:`ParseError` with a short, human reason for files they
cannot read; the reason never contains document text.
"""

from __future__ import annotations

import codecs
import logging
import threading
from collections.abc import Callable
from pathlib import Path

Page = tuple[str | None, str]
CancelCheck = Callable[[], bool]

logging.getLogger("pypdf").setLevel(logging.ERROR)


class ParseError(Exception):
    """A file cannot be turned into text; ``str(exc)`` is the reason shown to people."""


class ParseCancelled(Exception):
    """The cancel check fired while parsing."""


def parse_file(path: Path, cancelled: CancelCheck) -> list[Page]:
    """Parse ``path`` by its extension.

    Raises:
        ParseError: the file is unreadable, encrypted, empty or not text.
        ParseCancelled: ``cancelled()`` returned true between pages.
    """
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _parse_pdf(path, cancelled)
    if suffix in (".html", ".htm"):
        return [(None, _parse_html(path))]
    if suffix == ".docx":
        return [(None, _parse_docx(path))]
    return [(None, _parse_text(path))]


def _parse_pdf(path: Path, cancelled: CancelCheck) -> list[Page]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError("encrypted PDF (password required)")
        pages: list[Page] = []
        for number, page in enumerate(reader.pages, start=1):
            if cancelled():
                raise ParseCancelled
            text = page.extract_text() or ""
            if text.strip():
                pages.append((str(number), text))
    except (ParseError, ParseCancelled):
        raise
    except FileNotDecryptedError as exc:
        raise ParseError("encrypted PDF (password required)") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ParseError(f"damaged PDF ({type(exc).__name__})") from exc
    if not pages:
        raise ParseError("PDF has no text layer (scanned images?)")
    return pages


def _parse_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    text = soup.get_text("\n")
    lines = [line.strip() for line in text.splitlines()]
    return _require_text("\n".join(line for line in lines if line))


def _parse_docx(path: Path) -> str:
    import zipfile

    import docx2txt

    try:
        text = docx2txt.process(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ParseError(f"damaged Word file ({type(exc).__name__})") from exc
    return _require_text(text or "")


def _parse_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw:
        raise ParseError("empty file")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return _decode(raw, encoding)
    if b"\x00" in raw[:8192]:
        raise ParseError("binary content, not text")
    return _decode(raw, "utf-8")


def _decode(raw: bytes, encoding: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(f"not valid {encoding.upper().removesuffix('-SIG')} text (byte {exc.start})") from exc
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
