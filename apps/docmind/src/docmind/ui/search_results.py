"""Search hits as a person reads them: file, page, relevance, the passage with the terms marked, a download.

The relevance is a number from 0 to 100 that compares the hits of one search (``SearchHit.relevance``);
its tooltip holds the raw score of each retriever that found the hit, which the CLI's ``--json`` prints.

The passage is shown as plain text (HTML-escaped, never Markdown: "1. Introduction", backticks and
URLs stay as written) with each query term wrapped in ``<mark>``. The download serves the source
document as it is on disk now, read only when the button is clicked, and only a file of the active
snapshot's corpus (``docmind.source_files``); otherwise a caption says why there is none.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from docmind.search import SearchHit
from docmind.search.excerpts import highlight_spans
from docmind.source_files import NotServedError, SnapshotFiles, read_served

_RETRIEVER_NAMES = {"bm25": "BM25", "dense": "cosine similarity"}
_MARKDOWN_SPECIALS = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>$~|#"})


def marked_excerpt(excerpt: str, query: str) -> str:
    """``excerpt`` HTML-escaped, each word matching a query term (``highlight_spans``) in ``<mark>``."""
    parts, last = [], 0
    for start, end in highlight_spans(excerpt, query):
        parts.append(html.escape(excerpt[last:start]))
        parts.append(f"<mark>{html.escape(excerpt[start:end])}</mark>")
        last = end
    parts.append(html.escape(excerpt[last:]))
    return "".join(parts)


def relevance_help(hit: SearchHit) -> str:
    """The tooltip of a hit's relevance: what the number means and the raw scores behind it."""
    raw = ", ".join(f"{_RETRIEVER_NAMES.get(name, name)} {score:.4g}" for name, score in hit.scores.items())
    return (
        "Relevance (0-100) compares the hits of this search: the higher, the further the hit stands "
        f"above the other candidates of every retriever that ran. Raw scores: {raw}."
    )


def search_results(key: str, hits: Sequence[SearchHit], query: str, files: SnapshotFiles) -> None:
    """Render ``hits`` for ``query`` inside ``st.container(key=key)``; ``files`` may be downloaded."""
    with st.container(key=key):
        for number, hit in enumerate(hits):
            with st.container(border=True, key=f"{key}_{number}"):
                page = f" · page {hit.page}" if hit.page else ""
                found = " + ".join(hit.retrievers)
                name = hit.file.translate(_MARKDOWN_SPECIALS)
                st.markdown(
                    f"**{name}**{page} · relevance {hit.relevance}/100 · found by {found}",
                    help=relevance_help(hit),
                )
                st.html(f'<div class="docmind-excerpt">{marked_excerpt(hit.excerpt, query)}</div>')
                try:
                    path = files.file(hit.file)
                except NotServedError as exc:
                    st.caption(str(exc))
                else:
                    _download(path, f"{key}_download_{number}")


def _download(path: Path, key: str) -> None:
    st.download_button(
        "Download the document",
        data=lambda: read_served(path),
        file_name=path.name,
        mime=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
