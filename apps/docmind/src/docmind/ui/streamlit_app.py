"""DocMind's Streamlit entry point: page config, session defaults, navigation. Nothing else."""

from pathlib import Path

import streamlit as st

from docmind.ui.session_keys import init_session_defaults

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="DocMind", page_icon="📚", layout="wide")
init_session_defaults()
st.navigation(
    [
        st.Page(PAGES / "documents.py", title="Documents", icon="📄", default=True),
        st.Page(PAGES / "search.py", title="Search", icon="🔎"),
        st.Page(PAGES / "snapshots.py", title="Snapshots", icon="🗂️"),
        st.Page(PAGES / "jobs.py", title="Job history", icon="🕘"),
    ]
).run()
