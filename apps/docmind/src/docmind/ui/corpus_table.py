"""The corpus table of the Documents page, with removal of managed documents."""

from __future__ import annotations

import streamlit as st

from docmind.corpus_status import corpus_rows
from docmind.ingest.file_status import FileStatus
from docmind.service import DocMind
from docmind.sources import DOCUMENTS_LABEL
from docmind.ui import session_keys as keys
from docmind.uploads import remove_document


def corpus_table(service: DocMind) -> None:
    """List every document of the corpus with its status relative to the active snapshot."""
    st.subheader("Corpus")
    rows = corpus_rows(service.sources(), service.store, max_file_bytes=service.settings.max_file_bytes)
    if not rows:
        st.caption("No documents yet. Upload some above, or add a source folder.")
        return
    st.dataframe(
        [
            {
                "name": r.name,
                "size (KB)": round(r.size / 1024, 1),
                "source": r.source,
                "status": r.status.value,
                "note": r.note,
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
    removable = [r.name for r in rows if r.source == DOCUMENTS_LABEL and r.status != FileStatus.SKIPPED]
    if not removable:
        return
    with st.form("documents_remove_form", border=False):
        chosen = st.multiselect("Remove uploaded documents", removable, key="documents_remove_choice")
        if st.form_submit_button("Remove selected") and chosen:
            for name in chosen:
                remove_document(service.data.documents, name)
            note = f"Removed {len(chosen)} document(s); the next ingestion drops them from the index."
            st.session_state[keys.DOCUMENTS_NOTES] = [("removed", note)]
            st.rerun()
