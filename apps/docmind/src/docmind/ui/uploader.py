"""The upload section of the Documents page: saves files safely and sums up what happened.

A batch leaves one line: a collapsed expander labelled with the summary ("Upload: 99 saved · 1
already present · 0 refused") that holds the per-file notes, so a large upload never pushes the
job panel below the fold. The next upload replaces it.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from docmind.ingest.scan.corpus import SUPPORTED_EXTENSIONS
from docmind.service import DocMind
from docmind.ui import session_keys as keys
from docmind.ui.slots import slot
from docmind.upload_summary import upload_summary
from docmind.uploads import REFUSED, save_upload

UPLOAD_LABEL = "Upload documents"


def upload_section(service: DocMind) -> None:
    """Render the uploader; saved files clear it (a new widget key) and leave the batch's summary."""
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
    notes = st.session_state[keys.DOCUMENTS_NOTES]
    # A fixed position before and after the first batch, so the job panel below never moves.
    slot("documents_upload_summary", partial(_batch_summary, notes) if notes else None)


def _batch_summary(notes: list[tuple[str, str]]) -> None:
    """One collapsed expander whose label is the summary; opening it lists one note per file."""
    summary = upload_summary([status for status, _ in notes])
    refused = any(status == REFUSED for status, _ in notes)
    icon = ":material/error:" if refused else ":material/check_circle:"
    with st.expander(f"Upload: {summary}", icon=icon):
        st.text("\n".join(note for _, note in notes))
