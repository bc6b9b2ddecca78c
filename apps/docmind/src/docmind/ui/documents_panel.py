"""The Documents page's job panel fragment: reads the job from the manager, wires Start/Cancel.

The fragment polls (``run_every``) every 0.5 s while an ingestion is active and every 3 s while
idle, so a job started elsewhere (the CLI, another tab) shows up within seconds. It triggers one
full-app rerun when it sees a job start or end, so the poll rate, the active snapshot and the
corpus table follow. A Cancel click shows Cancelling in the click's own rerun.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from docmind.corpus_status import snapshot_listing
from docmind.datadir import DataDirError
from docmind.ingest.publish.summary import SAMPLE, FailedFile, SkippedNote
from docmind.ingest.scan.corpus import DOCUMENTS_LABEL, is_empty_folder
from docmind.job_view import EndDetails, PanelView, panel_view
from docmind.segments.file_status import FileStatus
from docmind.service import DocMind, IngestionBusyError
from docmind.ui import session_keys as keys
from docmind.ui.components.job_panel import job_panel
from docmind.ui.runtime import service

POLL_INTERVAL = timedelta(milliseconds=500)
IDLE_POLL_INTERVAL = timedelta(seconds=3)


def _start() -> None:
    try:
        service().start_ingestion(owner="app")
    except IngestionBusyError as exc:
        st.session_state[keys.DOCUMENTS_PANEL_MESSAGE] = f"Refused: {exc}"
        return
    except (DataDirError, OSError) as exc:
        st.session_state[keys.DOCUMENTS_PANEL_MESSAGE] = f"Cannot start: {exc}"
        return
    st.session_state[keys.DOCUMENTS_PANEL_MESSAGE] = None
    st.session_state[keys.DOCUMENTS_START_REQUESTED] = True


def _cancel(job_id: str) -> None:
    st.session_state[keys.DOCUMENTS_CANCEL_REQUESTED] = job_id
    service().jobs.cancel(job_id)


def _end_details(svc: DocMind, view: PanelView) -> EndDetails:
    """The names behind an ended job's counts: its snapshot's listing, and the empty source folders.

    Source folders are looked at only when the job found some empty (a look stops at the first file).
    """
    empty: tuple[str, ...] = ()
    if view.sources_empty:
        folders = [s.path for s in svc.sources() if s.label != DOCUMENTS_LABEL]
        empty = tuple(str(folder) for folder in folders if is_empty_folder(folder))
    listing = snapshot_listing(svc.store, view.snapshot_id) if view.snapshot_id else None
    if listing is None:
        return EndDetails(empty_sources=empty)
    failed = [f for f in listing.files if f.status == FileStatus.FAILED]
    skipped = [f for f in listing.files if f.status == FileStatus.SKIPPED][:SAMPLE]
    return EndDetails(
        failures=tuple(FailedFile(path=f.path, error=f.error) for f in failed),
        skipped=tuple(SkippedNote(path=f.path, reason=f.error) for f in skipped),
        added=listing.added if view.changed else (),
        changed=listing.changed if view.changed else (),
        removed=listing.removed if view.changed else (),
        empty_sources=empty,
    )


def render_job_panel() -> None:
    """Render the panel inside a fragment that polls while a job is active."""
    record = service().latest_ingestion()
    polling = record is not None and record.state.is_active

    @st.fragment(run_every=POLL_INTERVAL if polling else IDLE_POLL_INTERVAL)
    def panel() -> None:
        svc = service()
        current = svc.latest_ingestion()
        started = st.session_state[keys.DOCUMENTS_START_REQUESTED]
        active = current is not None and current.state.is_active
        if started or polling != active:
            st.session_state[keys.DOCUMENTS_START_REQUESTED] = False
            st.rerun()
        asked = current is not None and st.session_state[keys.DOCUMENTS_CANCEL_REQUESTED] == current.id
        # Until the job reports its own slots, the panel draws one line per worker it will run with.
        view = panel_view(current, cancel_requested=asked, slots=svc.settings.workers) if current else None
        details = _end_details(svc, view) if view is not None and not view.active else None
        job_id = current.id if current else ""
        job_panel(
            "job_panel",
            view,
            details=details,
            message=st.session_state[keys.DOCUMENTS_PANEL_MESSAGE],
            on_start=_start,
            on_cancel=lambda: _cancel(job_id),
        )

    panel()
