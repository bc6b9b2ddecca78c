"""Search hits as a person reads them: file, page, score, the passage with the terms marked, a download.

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

from docmind.excerpts import highlight_spans
from docmind.search import SearchHit
from docmind.source_files import NotServedError, SnapshotFiles, read_served

_MARKDOWN_SPECIALS = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>$~|#"})


def marked_excerpt(excerpt: str, query: str) -> str:
    """``excerpt`` as HTML-escaped text with every query term wrapped in ``<mark>``."""
    parts, last = [], 0
    for start, end in highlight_spans(excerpt, query):
        parts.append(html.escape(excerpt[last:start]))
        parts.append(f"<mark>{html.escape(excerpt[start:end])}</mark>")
        last = end
    parts.append(html.escape(excerpt[last:]))
    return "".join(parts)


def search_results(key: str, hits: Sequence[SearchHit], query: str, files: SnapshotFiles) -> None:
    """Render ``hits`` for ``query`` inside ``st.container(key=key)``; ``files`` may be downloaded."""
    with st.container(key=key):
        for number, hit in enumerate(hits):
            with st.container(border=True, key=f"{key}_{number}"):
                page = f" · page {hit.page}" if hit.page else ""
                found = " + ".join(hit.retrievers)
                name = hit.file.translate(_MARKDOWN_SPECIALS)
                st.markdown(f"**{name}**{page} · score {hit.score:.3g} · found by {found}")
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
