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
                "files": view.progress_text.removesuffix(" files")
                + (f" · {view.files_failed} failed" if view.files_failed else ""),
                "snapshot": f"snapshots?snapshot={record.result}" if record.result else None,
                "error": record.error or "",
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        # Pixel widths that add up to the main column of a 1280 px window (the error takes the rest
        # and wraps nothing: its full text is in the cell's tooltip and in `docmind jobs`).
        column_config={
            "job": st.column_config.TextColumn("job", width=96),
            "state": st.column_config.TextColumn("state", width=84),
            "started": st.column_config.TextColumn("started", width=160),
            "duration": st.column_config.TextColumn("duration", width=64),
            "files": st.column_config.TextColumn("files", width=100),
            "snapshot": st.column_config.LinkColumn("snapshot", display_text=r"snapshot=(.*)$", width=196),
            "error": st.column_config.TextColumn("error"),
        },
    )
