"""The corpus table of the Documents page, with removal of managed documents.

Every column has a fixed width computed here from the rows, never measured by the browser: a data
frame that sizes its columns from the text it draws sizes them with whatever font has loaded by
then and from its first rows only, so the same table came out a few pixels apart from one load to
the next, and a reason in a row below the first ones was cut ("unsupported file typ"). The note
(why a file is skipped or failed) comes right after the name and the status and is as wide as its
longest text, without a limit: a very long reason makes the table scroll sideways, never cuts it.
The name column fits its longest name within bounds. A table narrower than the page is stretched
evenly by the data frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import streamlit as st

from docmind.corpus_status import DocumentRow, corpus_rows
from docmind.segments.file_status import FileStatus
from docmind.service import DocMind
from docmind.sources import DOCUMENTS_LABEL
from docmind.ui import session_keys as keys
from docmind.ui.slots import slot
from docmind.uploads import remove_document

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

SECTION_KEY = "documents_corpus"
# The table's 14 px sans-serif averages about 7 px a character; 8 leaves room for wide letters.
CHAR_PX = 8
CELL_PADDING_PX = 24
NAME_PX = (160, 280)
SOURCE_PX = (90, 160)
NOTE_MIN_PX = 120
STATUS_PX = 80
SIZE_PX = 80


def corpus_table(service: DocMind) -> None:
    """List every document of the corpus with its status relative to the active snapshot."""
    with st.container(key=SECTION_KEY):
        st.subheader("Corpus")
        rows = corpus_rows(service.sources(), service.store, max_file_bytes=service.settings.max_file_bytes)
        if not rows:
            st.caption("No documents yet. Upload some above, or add a source folder.")
        else:
            st.dataframe(
                [
                    {
                        "name": r.name,
                        "status": r.status.value,
                        "note": r.note,
                        "size (KB)": None if r.size is None else round(r.size / 1024, 1),
                        "source": r.source,
                    }
                    for r in rows
                ],
                hide_index=True,
                width="stretch",
                column_config=column_config(rows),
            )
        removable = [r.name for r in rows if r.source == DOCUMENTS_LABEL and r.status != FileStatus.SKIPPED]
        slot(f"{SECTION_KEY}_removal", partial(_removal_form, service, removable) if removable else None)


def column_config(rows: Sequence[DocumentRow]) -> dict[str, ColumnConfig]:
    """Fixed pixel widths for the table's columns (see the module docstring)."""
    return {
        "name": st.column_config.TextColumn("name", width=text_width((r.name for r in rows), *NAME_PX)),
        "status": st.column_config.TextColumn("status", width=STATUS_PX),
        "note": st.column_config.TextColumn("note", width=text_width((r.note for r in rows), NOTE_MIN_PX)),
        "size (KB)": st.column_config.NumberColumn("size (KB)", width=SIZE_PX, format="%.1f"),
        "source": st.column_config.TextColumn(
            "source", width=text_width((r.source for r in rows), *SOURCE_PX)
        ),
    }


def text_width(texts: Iterable[str], minimum: int, maximum: int | None = None) -> int:
    """The pixel width that shows the longest of ``texts`` whole, within ``minimum``…``maximum``."""
    longest = max((len(text) for text in texts), default=0)
    width = max(minimum, longest * CHAR_PX + CELL_PADDING_PX)
    return width if maximum is None else min(width, maximum)


def _removal_form(service: DocMind, removable: list[str]) -> None:
    with st.form("documents_remove_form", border=False):
        chosen = st.multiselect("Remove uploaded documents", removable, key="documents_remove_choice")
        if st.form_submit_button("Remove selected") and chosen:
            for name in chosen:
                remove_document(service.data.documents, name)
            note = f"Removed {len(chosen)} document(s); the next ingestion drops them from the index."
            st.session_state[keys.DOCUMENTS_NOTES] = [("removed", note)]
            st.rerun()
