"""Snapshots page: list, verify on request, activate (rollback) and delete with confirmation."""

import streamlit as st
from docmind.ui.runtime import service
from docmind.ui.session_keys import init_session_defaults
from docmind.ui.snapshot_actions import snapshot_actions, snapshot_table

init_session_defaults()
st.title("Snapshots")
infos = service().store.list()
snapshot_table(service(), infos)
snapshot_actions(service(), infos)
