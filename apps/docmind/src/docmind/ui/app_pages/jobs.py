"""Job history page: recent jobs from every process sharing the data dir, each linked to its snapshot."""

import streamlit as st
from docmind.job_view import panel_view
from docmind.timefmt import format_time
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
                "state": record.state.value,
                "started": format_time(record.started or record.created),
                "duration": view.elapsed,
                "files": view.progress_text.removesuffix(" files"),
                "failed": view.files_failed,
                "snapshot": f"snapshots?snapshot={record.result}" if record.result else None,
                "error": record.error or "",
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "job": st.column_config.TextColumn("job", width="small"),
            "state": st.column_config.TextColumn("state", width="small"),
            "started": st.column_config.TextColumn("started", width="medium"),
            "duration": st.column_config.TextColumn("duration", width="small"),
            "files": st.column_config.TextColumn("files", width="small"),
            "failed": st.column_config.NumberColumn("failed", width="small"),
            "snapshot": st.column_config.LinkColumn(
                "snapshot", display_text=r"snapshot=(.*)$", width="medium"
            ),
            "error": st.column_config.TextColumn("error", width="large"),
        },
    )
