"""The job panel: state, progress, what is happening, Start/Cancel, and the end summary.

A component in the ``streamlit-extras`` manner: a function with a required ``key`` that wraps
everything in ``st.container(key=key)`` (CSS class ``st-key-<key>``); inner widgets use keys
derived from it. It only renders what it is given: the caller reads the job and wires actions.

While a job is active the panel shows its activity, the counters, the ETA and one line per slot
of the job, "Worker N: <the file it holds>" or "Worker N: no file" (``PanelView.in_flight``), so
it keeps its height while files come and go. Once it ended, only the outcome remains: the snapshot
(or "nothing changed") with the files added, changed and removed by name, files indexed / cached /
failed / removed / skipped, the duration and a link to Search; then the failed files, the skipped
files with their reasons, and a warning naming each empty source folder.

Every state draws the same positions in the same order — heading, status line, activity line,
progress bar, live figures, message, Start/Cancel, outcome — and a position with nothing to show
holds an empty placeholder (``docmind.ui.slots``). So the rerun that follows a job's start or end
replaces each element by its successor in place: the panel never shows a second progress bar or
Start button beside the new one while the page reruns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import streamlit as st

from docmind.ingest.publish.summary import count_phrase
from docmind.job_view import EndDetails, PanelView
from docmind.ui.slots import slot

START_LABEL = "Start ingestion"
CANCEL_LABEL = "Cancel ingestion"
SEARCH_LINK = '<a href="search" target="_self">Search this snapshot →</a>'


def job_panel(
    key: str,
    view: PanelView | None,
    *,
    details: EndDetails | None = None,
    message: str | None = None,
    on_start: Callable[[], None] | None = None,
    on_cancel: Callable[[], None] | None = None,
) -> None:
    """Render the panel for ``view`` (``None``: no ingestion has run yet).

    ``details`` (the names behind the counts, from the snapshot's listing) are shown once the job
    has ended.
    """
    live = partial(_live, view) if view is not None and view.active else None
    outcome = None
    if view is not None and not view.active:
        outcome = partial(_end_state, key, view, details or EndDetails())
    with st.container(key=key, border=True):
        st.subheader("Ingestion")
        st.markdown(_status_line(view))
        if view is not None and view.active:
            cancelling = view.state == "Cancelling"
            st.caption(f"Now: {'stopping the workers' if cancelling else view.activity or view.phase}")
        else:
            st.empty()
        st.progress(view.percent if view else 0, text=view.progress_text if view else "0 / 0 files")
        slot(f"{key}_live", live)
        if message:
            st.error(message)
        else:
            st.empty()
        left, right = st.columns(2)
        busy = view is not None and view.active
        left.button(START_LABEL, key=f"{key}_start", type="primary", disabled=busy, on_click=on_start)
        cancellable = view is not None and view.cancellable
        right.button(CANCEL_LABEL, key=f"{key}_cancel", disabled=not cancellable, on_click=on_cancel)
        slot(f"{key}_outcome", outcome)


def _status_line(view: PanelView | None) -> str:
    if view is None:
        return "**Idle** · no ingestion has run yet"
    ellipsis = "…" if view.state == "Cancelling" else ""
    return f"**{view.state}**{ellipsis} · job `{view.job_id}`"


def _live(view: PanelView) -> None:
    cols = st.columns(4)
    cols[0].metric("Chunks", f"{view.chunks:,}")
    cols[1].metric("Elapsed", view.elapsed)
    cols[2].metric("ETA", view.eta)
    cols[3].metric("Failed files", view.files_failed)
    st.caption(f"Throughput: {view.throughput}")
    for number, line in enumerate(view.in_flight, start=1):
        st.caption(f"Worker {number}: {line}")


def _end_state(key: str, view: PanelView, details: EndDetails) -> None:
    if view.snapshot_id and not view.changed:
        st.info(f"Nothing changed; {view.snapshot_id} stays active")
    elif view.snapshot_id:
        named = [
            count_phrase(count, names, what)
            for count, names, what in (
                (view.files_added, details.added, "added"),
                (view.files_changed, details.changed, "changed"),
            )
            if count
        ]
        named.append(count_phrase(view.files_removed, details.removed, "removed"))
        st.success(f"Published snapshot {view.snapshot_id} · {' · '.join(named)}")
    else:
        st.empty()
    if view.files_total:
        counts = (
            f"{view.files_indexed} indexed · {view.files_cached} cached · "
            f"{view.files_failed} failed · {view.files_removed} removed"
        )
        if view.files_skipped:
            counts += f" · {view.files_skipped} skipped"
        if view.windows_embedded or view.windows_cached:
            counts += f" · {view.windows_embedded:,} windows embedded, {view.windows_cached:,} from cache"
        link = f" · {SEARCH_LINK}" if view.snapshot_id else ""
        st.markdown(f"{counts}{link}", unsafe_allow_html=True)
    else:
        st.empty()
    st.caption(f"Duration: {view.elapsed}")
    if view.error and view.state == "Failed":
        st.error(f"Failed: {view.error}. Nothing was published.")
    else:
        st.empty()
    if view.end_note:
        st.warning(view.end_note)
    else:
        st.empty()
    empty = view.sources_empty or details.empty_sources
    slot(f"{key}_empty_sources", partial(_empty_sources, view, details.empty_sources) if empty else None)
    slot(f"{key}_failures", partial(_failures, details) if details.failures else None)
    skipped = view.files_skipped and details.skipped
    slot(f"{key}_skipped", partial(_skipped, view, details) if skipped else None)


def _empty_sources(view: PanelView, folders: Sequence[str]) -> None:
    """One warning per source folder the job found empty (still empty now), else one for the count."""
    for folder in folders:
        st.warning(f"Source folder {folder} is empty: nothing in it was ingested.")
    if view.sources_empty and not folders:
        st.warning(f"{view.sources_empty} source folder(s) were empty when the job scanned them.")


def _failures(details: EndDetails) -> None:
    st.markdown(f"**{len(details.failures)} file(s) could not be indexed:**")
    st.dataframe(
        [{"file": f.path, "reason": f.error} for f in details.failures],
        hide_index=True,
        width="stretch",
    )


def _skipped(view: PanelView, details: EndDetails) -> None:
    more = view.files_skipped - len(details.skipped)
    st.markdown(
        f"**{view.files_skipped} file(s) skipped** (not ingested)"
        + (f", the first {len(details.skipped)}; the Corpus table lists all:" if more > 0 else ":")
    )
    st.dataframe(
        [{"file": note.path, "reason": note.reason} for note in details.skipped],
        hide_index=True,
        width="stretch",
    )


def example() -> None:
    """Render the panel for a running job with sample values (for AppTest and visual review)."""
    view = PanelView(
        job_id="0123456789ab",
        state="Running",
        percent=42,
        progress_text="42 / 100 files",
        phase="parse",
        activity="parsing and splitting",
        in_flight=("reports/annual-2025.pdf · 8.4 MiB · 27s", "notes/meeting.md · 12 KiB · 0.2s"),
        chunks=1234,
        files_failed=1,
        files_removed=0,
        changed=True,
        elapsed="12.5s",
        throughput="3.4 files/s · 1.2 MB/s",
        eta="17.1s",
        cancellable=True,
        active=True,
        snapshot_id=None,
        error="",
        end_note="",
    )
    job_panel("job_panel_example", view)
