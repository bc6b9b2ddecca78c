"""Excerpts for search hits: the passage that best matches the query, and where its terms are.

Pure functions on text (no index, no Streamlit): the Search page and the CLI show the passage of a
chunk where the query's terms are densest, not the chunk's start, and the page highlights the
terms. A term is a query word that is not a stop word, matched case-insensitively by its stem
(``docmind.search.terms``): ``indexing`` marks ``index`` and ``indexes``, ``what`` marks nothing.
"""

from __future__ import annotations

from docmind.search.terms import Match, QueryTerms

ELLIPSIS = "…"


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets in ``text`` of every word that matches a term of ``query``.

    Spans are sorted and never overlap; an empty query, or one without any word, gives no spans.
    """
    return [(m.start, m.end) for m in QueryTerms(query).matches(text)]


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
    matches = QueryTerms(query).matches(flat)
    if not matches:
        return _cut(flat, 0, width)
    centre = _densest_centre(matches, width)
    begin = max(0, min(centre - width // 2, len(flat) - width))
    return _cut(flat, begin, width)


def _densest_centre(matches: list[Match], width: int) -> int:
    centre, best_key = matches[0].start, (0, 0)
    for i, first in enumerate(matches):
        inside = [m for m in matches[i:] if m.end <= first.start + width]
        if not inside:
            continue  # one word longer than the window
        key = (len({m.term for m in inside}), len(inside))
        if key > best_key:
            best_key = key
            centre = (first.start + inside[-1].end) // 2
    return centre


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
