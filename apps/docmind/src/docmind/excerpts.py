"""Excerpts for search hits: the passage that best matches the query, and where its terms are.

Pure functions on text (no index, no Streamlit): the Search page and the CLI show the passage of a
chunk where the query's terms are densest, not the chunk's start, and the page highlights the
terms. Terms are words of two or more letters or digits, matched case-insensitively on word
prefixes (``index`` matches ``indexes``, ``indexing``), which is how a stemmed BM25 hit reads.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w{2,}", re.UNICODE)
ELLIPSIS = "…"


def query_terms(query: str) -> list[str]:
    """The distinct lower-cased terms of ``query``, in order (words of two or more characters)."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(query.lower()):
        seen.setdefault(match.group(), None)
    return list(seen)


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets in ``text`` of every word that starts with a query term.

    Spans are sorted and never overlap; an empty or term-less query gives no spans.
    """
    terms = query_terms(query)
    if not terms:
        return []
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, terms)) + r")\w*", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)]


def best_passage(text: str, query: str, width: int = 300) -> str:
    """Return about ``width`` characters of ``text`` centred on where the query's terms are densest.

    Whitespace is collapsed to single spaces first. The window is the one that holds the most
    distinct terms (then the most matches), starting at a match; it is then centred on its matches
    and widened to word boundaries. "…" marks each side that was cut. A text shorter than
    ``width``, or one without any term, gives its first ``width`` characters.
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    spans = highlight_spans(flat, query)
    if not spans:
        return _cut(flat, 0, width)
    terms = query_terms(query)
    words = [flat[a:b].lower() for a, b in spans]
    centre, best_key = spans[0][0], (0, 0)
    for i, (start, _) in enumerate(spans):
        inside = [j for j in range(i, len(spans)) if spans[j][1] <= start + width]
        distinct = sum(any(words[j].startswith(t) for j in inside) for t in terms)
        key = (distinct, len(inside))
        if key > best_key:
            best_key = key
            centre = (start + spans[inside[-1]][1]) // 2
    begin = max(0, min(centre - width // 2, len(flat) - width))
    return _cut(flat, begin, width)


def _cut(flat: str, begin: int, width: int) -> str:
    end = min(len(flat), begin + width)
    if begin > 0:
        space = flat.find(" ", begin, begin + 30)
        begin = space + 1 if space != -1 else begin
    if end < len(flat):
        space = flat.rfind(" ", end - 30, end)
        end = space if space > begin else end
    passage = flat[begin:end].strip()
    return (ELLIPSIS if begin > 0 else "") + passage + (ELLIPSIS if end < len(flat) else "")
