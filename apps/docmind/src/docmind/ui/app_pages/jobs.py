"""Job history page: recent jobs from every process sharing the data dir."""

import streamlit as st
from docmind.job_view import panel_view
from docmind.ui.runtime import service

st.title("Job history")
records = service().jobs.list(limit=100)
if not records:
    st.caption("No jobs yet.")
else:
    rows = []
    for record in records:
        view = panel_view(record)
        rows.append(
            {
                "job": record.id,
                "kind": record.kind,
                "state": record.state.value,
                "started": record.started or record.created,
                "duration": view.elapsed,
                "files": view.progress_text,
                "chunks": view.chunks,
                "failed files": view.files_failed,
                "snapshot": record.result or "",
                "error": record.error or "",
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
