"""Every session-state key of the app, named once; page-local keys carry the page prefix."""

from __future__ import annotations

import streamlit as st

ACCESS_GRANTED = "access_granted"
ACCESS_REFUSED = "access_refused"
DOCUMENTS_UPLOADER_GEN = "documents_uploader_gen"
DOCUMENTS_NOTES = "documents_notes"
DOCUMENTS_PANEL_MESSAGE = "documents_panel_message"
DOCUMENTS_START_REQUESTED = "documents_start_requested"
DOCUMENTS_CANCEL_REQUESTED = "documents_cancel_requested"
DOCUMENTS_SOURCES_MESSAGE = "documents_sources_message"
SNAPSHOTS_PENDING_DELETE = "snapshots_pending_delete"
SNAPSHOTS_MESSAGE = "snapshots_message"
SNAPSHOTS_VERIFIED = "snapshots_verified"

_DEFAULTS: dict[str, object] = {
    ACCESS_GRANTED: False,
    ACCESS_REFUSED: False,
    DOCUMENTS_UPLOADER_GEN: 0,
    DOCUMENTS_NOTES: [],
    DOCUMENTS_PANEL_MESSAGE: None,
    DOCUMENTS_START_REQUESTED: False,
    DOCUMENTS_CANCEL_REQUESTED: None,
    DOCUMENTS_SOURCES_MESSAGE: None,
    SNAPSHOTS_PENDING_DELETE: None,
    SNAPSHOTS_MESSAGE: None,
    SNAPSHOTS_VERIFIED: {},
}


def init_session_defaults() -> None:
    """Give every key its default (idempotent; never overwrites)."""
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value.copy() if isinstance(value, list | dict) else value)
