"""The active-snapshot badge shown on the Documents and Search pages."""

from __future__ import annotations

import streamlit as st
from docmind_snapshots import SnapshotError

from docmind.service import DocMind
from docmind.timefmt import format_time


def active_snapshot_badge(service: DocMind, key: str = "active_snapshot") -> None:
    """Show the active snapshot's id, creation time, files and chunks inside ``st.container(key=key)``."""
    with st.container(key=key):
        try:
            current = service.store.current()
        except SnapshotError as exc:
            st.error(
                f"The active snapshot cannot be read: {exc}. Run `docmind verify`, then activate another."
            )
            return
        if current is None:
            st.info("No active snapshot yet: upload documents and start an ingestion.")
            return
        meta = current.metadata
        st.markdown(
            f"**Active snapshot** `{current.id}` · created {format_time(current.created)} · "
            f"{meta.get('files_total', 0)} files · {meta.get('chunks', 0):,} chunks"
        )
