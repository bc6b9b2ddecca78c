"""Job history page: recent jobs from every process sharing the data dir, each linked to its snapshot.

The outcome column tells a job that published its snapshot from one that found nothing changed
and left the active snapshot as it was (``job_view.job_outcome``).
"""

import streamlit as st
from docmind.job_view import job_outcome, panel_view
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
                "files": f"{view.files_done} / {view.files_total}"
                + (f" · {view.files_failed} failed" if view.files_failed else ""),
                "outcome": job_outcome(record).value,
                "snapshot": f"snapshots?snapshot={record.result}" if record.result else None,
                "error": record.error or "",
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        # Pixel widths that add up to the main column of a 1280 px window (the error takes the rest
        # and wraps nothing: its full text is in the cell's tooltip and in `docmind jobs`). The
        # snapshot shows its number; the link holds the whole id and the started column the time.
        column_config={
            "job": st.column_config.TextColumn("job", width=96),
            "state": st.column_config.TextColumn("state", width=84),
            "started": st.column_config.TextColumn("started", width=160),
            "duration": st.column_config.TextColumn("duration", width=64),
            "files": st.column_config.TextColumn("files", width=90),
            "outcome": st.column_config.TextColumn("outcome", width=120),
            "snapshot": st.column_config.LinkColumn(
                "snapshot", display_text=r"snapshot=(snap-\d+)", width=100
            ),
            "error": st.column_config.TextColumn("error"),
        },
    )
