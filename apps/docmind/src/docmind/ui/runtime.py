"""Streamlit accessor for the process-wide service (``st.cache_resource`` over a module singleton)."""

from __future__ import annotations

import streamlit as st

from docmind.runtime import process_service
from docmind.service import DocMind


@st.cache_resource(show_spinner=False)
def service() -> DocMind:
    """The one DocMind service of this server process."""
    return process_service()
