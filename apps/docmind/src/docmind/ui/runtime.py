"""Streamlit accessor for the process-wide service (``st.cache_resource`` over a module singleton).

A data dir that cannot be opened stops the page with a plain message, never a traceback.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from docmind.datadir import DataDirError
from docmind.runtime import process_service
from docmind.service import DocMind


@st.cache_resource(show_spinner=False)
def _cached_service() -> DocMind:
    return process_service()


def service() -> DocMind:
    """The one DocMind service of this server process (stops the page if it cannot be opened)."""
    try:
        return _cached_service()
    except DataDirError as exc:
        _stop(f"DocMind cannot open its data dir: {exc}. Set DOCMIND_DATA_DIR to a writable folder.")


def _stop(message: str) -> NoReturn:
    st.error(message)
    st.stop()
