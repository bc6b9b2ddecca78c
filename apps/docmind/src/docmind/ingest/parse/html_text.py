r"""The visible text of an HTML page: one line per text node, scripts and styles dropped.

Bytes are decoded exactly as Beautiful Soup decodes them (``UnicodeDammit``: byte-order mark,
declared charset, then UTF-8 and Windows-1252), then parsed by Lexbor (``selectolax``), an HTML5
parser in C. The text is the one ``BeautifulSoup(raw, "html.parser").get_text("\n")`` gives once
``script``/``style``/``noscript``/``template`` elements are removed, modulo whitespace, about
25-48x faster (see ADR-055); ``tests/ingest/test_ingest_html_text.py`` holds the two to the same words.
"""

from __future__ import annotations

from bs4.dammit import UnicodeDammit
from selectolax.lexbor import LexborHTMLParser

HIDDEN_ELEMENTS = ("script", "style", "noscript", "template")


def html_to_text(raw: bytes) -> str:
    """Return the page's visible text: stripped, non-empty lines joined by newlines ("" if none)."""
    markup = UnicodeDammit(raw, is_html=True).unicode_markup or ""
    tree = LexborHTMLParser(markup)
    tree.strip_tags(list(HIDDEN_ELEMENTS))
    root = tree.root
    text = root.text(separator="\n") if root is not None else ""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
