"""Snapshot management widgets: the table with verification, activate, and confirmed delete."""

from __future__ import annotations

import streamlit as st
from docmind_snapshots import SnapshotError

from docmind.service import DocMind
from docmind.ui import session_keys as keys


def snapshot_table(service: DocMind) -> None:
    """Show every snapshot with size, files, chunks, the active flag and its verification."""
    infos = service.store.list()
    if not infos:
        st.info("No snapshots yet: ingest documents on the Documents page.")
        return
    rows = []
    for info in infos:
        report = service.store.verify(info.id)
        rows.append(
            {
                "snapshot": info.id,
                "active": "✅" if info.active else "",
                "created (UTC)": f"{info.created:%Y-%m-%d %H:%M:%S}",
                "size (KB)": round(info.size_bytes / 1024, 1),
                "files": info.metadata.get("files_total", 0),
                "chunks": info.metadata.get("chunks", 0),
                "verified": "ok"
                if report.ok
                else "damaged: " + "; ".join(p.message for p in report.problems[:2]),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")


def snapshot_actions(service: DocMind) -> None:
    """Activate or delete a chosen snapshot; delete asks for confirmation, the active one is refused."""
    ids = [info.id for info in service.store.list()]
    if not ids:
        return
    message = st.session_state[keys.SNAPSHOTS_MESSAGE]
    if message:
        kind, text = message
        (st.success if kind == "ok" else st.error)(text)
    chosen = st.selectbox("Snapshot", ids, key="snapshots_choice")
    left, right = st.columns(2)
    if left.button("Activate", key="snapshots_activate"):
        _act(lambda: service.store.activate(chosen), f"{chosen} is now active.")
    if right.button("Delete", key="snapshots_delete"):
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


def _act(action, success: str) -> None:
    try:
        action()
    except SnapshotError as exc:
        st.session_state[keys.SNAPSHOTS_MESSAGE] = ("error", f"Refused: {exc}")
    else:
        st.session_state[keys.SNAPSHOTS_MESSAGE] = ("ok", success)
    st.rerun()
