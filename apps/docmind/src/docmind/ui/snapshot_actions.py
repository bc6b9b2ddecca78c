"""Snapshot management widgets: the table, verification on request, activate, and confirmed delete.

The page lists the snapshots once per run and hands the list to both widgets. Snapshots are
immutable, so a verification result is kept per snapshot id for the session and re-checked only
when the person clicks "Verify checksums". Deleting the active snapshot is refused at the
Delete click, before any confirmation is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st
from docmind_snapshots import SnapshotError, SnapshotInfo

from docmind.service import DocMind
from docmind.timefmt import format_time
from docmind.ui import session_keys as keys

NOT_VERIFIED = "not checked"


def snapshot_table(service: DocMind, infos: Sequence[SnapshotInfo]) -> None:
    """Show every snapshot with size, files, chunks, the active flag and its last verification."""
    if not infos:
        st.info("No snapshots yet: ingest documents on the Documents page.")
        return
    verified: dict[str, str] = st.session_state[keys.SNAPSHOTS_VERIFIED]
    rows = [
        {
            "snapshot": info.id,
            "active": info.active,
            "created": format_time(info.created),
            "size (MB)": round(info.size_bytes / 1e6, 2),
            "files": info.metadata.get("files_total", 0),
            "chunks": info.metadata.get("chunks", 0),
            "checksums": verified.get(info.id, NOT_VERIFIED),
        }
        for info in infos
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={"active": st.column_config.CheckboxColumn("active", width="small")},
    )
    if st.button("Verify checksums", key="snapshots_verify", help="Re-hash every file of every snapshot"):
        for info in infos:
            report = service.store.verify(info.id)
            verified[info.id] = (
                "ok" if report.ok else "damaged: " + "; ".join(p.message for p in report.problems[:2])
            )
        st.rerun()


def snapshot_actions(service: DocMind, infos: Sequence[SnapshotInfo]) -> None:
    """Activate or delete a chosen snapshot; delete asks for confirmation, the active one is refused."""
    if not infos:
        return
    message = st.session_state[keys.SNAPSHOTS_MESSAGE]
    if message:
        kind, text = message
        (st.success if kind == "ok" else st.error)(text)
    ids = [info.id for info in infos]
    active = next((info.id for info in infos if info.active), None)
    wanted = st.query_params.get("snapshot")
    chosen = st.selectbox(
        "Snapshot", ids, index=ids.index(wanted) if wanted in ids else 0, key="snapshots_choice"
    )
    left, right = st.columns(2)
    if left.button("Activate", key="snapshots_activate"):
        _act(lambda: service.store.activate(chosen), f"{chosen} is now active.")
    if right.button("Delete", key="snapshots_delete"):
        if chosen == active:
            _refuse(f"{chosen} is the active snapshot: activate another one before deleting it.")
        st.session_state[keys.SNAPSHOTS_PENDING_DELETE] = chosen
        st.rerun()
    pending = st.session_state[keys.SNAPSHOTS_PENDING_DELETE]
    if pending:
        st.warning(f"Delete {pending} for good?")
        yes, no = st.columns(2)
        if yes.button("Yes, delete", key="snapshots_confirm_delete"):
            st.session_state[keys.SNAPSHOTS_PENDING_DELETE] = None
            _act(lambda: service.store.delete(pending), f"{pending} deleted.")
        if no.button("Keep it", key="snapshots_keep"):
            st.session_state[keys.SNAPSHOTS_PENDING_DELETE] = None
            st.rerun()


def _refuse(text: str) -> None:
    st.session_state[keys.SNAPSHOTS_PENDING_DELETE] = None
    st.session_state[keys.SNAPSHOTS_MESSAGE] = ("error", f"Refused: {text}")
    st.rerun()


def _act(action: Callable[[], object], success: str) -> None:
    try:
        action()
    except SnapshotError as exc:
        st.session_state[keys.SNAPSHOTS_MESSAGE] = ("error", f"Refused: {exc}")
    else:
        st.session_state[keys.SNAPSHOTS_MESSAGE] = ("ok", success)
    st.rerun()
