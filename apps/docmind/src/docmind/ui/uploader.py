"""The upload section of the Documents page: saves files safely and reports each one."""

from __future__ import annotations

import streamlit as st

from docmind.ingest.corpus import SUPPORTED_EXTENSIONS
from docmind.service import DocMind
from docmind.ui import session_keys as keys
from docmind.uploads import DUPLICATE, REFUSED, save_upload

UPLOAD_LABEL = "Upload documents"


def upload_section(service: DocMind) -> None:
    """Render the uploader; saved files clear it (a new widget key) and leave a note per file."""
    generation = st.session_state[keys.DOCUMENTS_UPLOADER_GEN]
    files = st.file_uploader(
        UPLOAD_LABEL,
        type=sorted(ext.lstrip(".") for ext in SUPPORTED_EXTENSIONS),
        accept_multiple_files=True,
        key=f"documents_uploader_{generation}",
    )
    if files:
        notes = []
        for upload in files:
            result = save_upload(
                service.data.documents,
                upload.name,
                upload.getvalue(),
                max_bytes=service.settings.max_file_bytes,
            )
            notes.append((result.status, result.note))
        st.session_state[keys.DOCUMENTS_NOTES] = notes
        st.session_state[keys.DOCUMENTS_UPLOADER_GEN] = generation + 1
        st.rerun()
    for status, note in st.session_state[keys.DOCUMENTS_NOTES]:
        if status == REFUSED:
            st.error(note)
        elif status == DUPLICATE:
            st.info(note)
        else:
            st.success(note)
