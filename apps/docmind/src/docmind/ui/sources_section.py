"""The Sources section of the Documents page: the folders ingested along with the documents folder.

Lists every source (registered here or by the CLI, and those from ``DOCMIND_LIBRARY_DIRS``) with
its number of documents or why it cannot be read, adds a folder by its path on the server's disk
and removes a registered one. A refusal is one line; it changes nothing.

A folder added here must lie under ``DOCMIND_SOURCE_ROOTS`` (default: the home directory of the
user running the app), symlinks resolved: whoever reaches the page must not be able to make, say,
``/etc`` searchable and downloadable. The CLI, run by the local user, is not restricted.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import streamlit as st

from docmind.service import DocMind
from docmind.sources import ENVIRONMENT, ENVIRONMENT_VARIABLE, REGISTERED, SourceRefusedError
from docmind.ui import session_keys as keys
from docmind.ui.runtime import service
from docmind.ui.slots import slot

SECTION_KEY = "documents_sources"
PATH_KEY = "documents_source_path"
CHOICE_KEY = "documents_source_choice"
PATH_LABEL = "Folder on the server"
ADD_LABEL = "Add source"
REMOVE_LABEL = "Remove source"


def sources_section(svc: DocMind) -> None:
    """Render the sources table, the add field and the remove choice inside ``SECTION_KEY``."""
    with st.container(key=SECTION_KEY):
        st.subheader("Sources")
        statuses = svc.library.statuses(svc.settings.max_file_bytes)
        if statuses:
            st.dataframe(
                [
                    {
                        "source": s.source.label,
                        "folder": str(s.source.path),
                        "documents": s.files,
                        "state": f"unavailable: {s.problem}" if s.problem else "ok",
                        "added by": ENVIRONMENT_VARIABLE if s.source.origin == ENVIRONMENT else "registered",
                    }
                    for s in statuses
                ],
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption("No source folders yet: the corpus is the documents folder. Add a folder below.")
        message = st.session_state[keys.DOCUMENTS_SOURCES_MESSAGE]
        if message:
            kind, text = message
            (st.success if kind == "ok" else st.error)(text)
        else:
            st.empty()  # the message's position, kept so the fields below never move
        st.text_input(PATH_LABEL, key=PATH_KEY, placeholder="/srv/library/reports")
        st.button(ADD_LABEL, key="documents_source_add", on_click=_add)
        registered = [str(s.source.path) for s in statuses if s.source.origin == REGISTERED]
        slot(f"{SECTION_KEY}_removal", partial(_removal, registered) if registered else None)


def _removal(registered: list[str]) -> None:
    st.selectbox("Registered source", registered, key=CHOICE_KEY)
    st.button(REMOVE_LABEL, key="documents_source_remove", on_click=_remove)


def _add() -> None:
    typed = st.session_state[PATH_KEY].strip()
    if not typed:
        st.session_state[keys.DOCUMENTS_SOURCES_MESSAGE] = ("error", "Type the path of a folder first.")
        return
    try:
        svc = service()
        added = svc.library.add(Path(typed), roots=svc.settings.source_roots)
    except SourceRefusedError as exc:
        st.session_state[keys.DOCUMENTS_SOURCES_MESSAGE] = ("error", f"Refused: {exc}")
        return
    st.session_state[PATH_KEY] = ""  # a callback runs before the widget is drawn: it may reset it
    note = f"Added source {added.path} (label {added.label}): the next ingestion includes it."
    st.session_state[keys.DOCUMENTS_SOURCES_MESSAGE] = ("ok", note)


def _remove() -> None:
    chosen = st.session_state.get(CHOICE_KEY)
    if not chosen:
        return
    try:
        removed = service().library.remove(Path(chosen))
    except SourceRefusedError as exc:
        st.session_state[keys.DOCUMENTS_SOURCES_MESSAGE] = ("error", f"Refused: {exc}")
        return
    note = f"Removed source {removed.path}: the next ingestion drops its files from the index."
    st.session_state[keys.DOCUMENTS_SOURCES_MESSAGE] = ("ok", note)
