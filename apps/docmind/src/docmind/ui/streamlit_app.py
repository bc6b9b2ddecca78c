"""DocMind's Streamlit entry point: page config, session defaults, navigation. Nothing else."""

from pathlib import Path

import streamlit as st

from docmind.ui.session_keys import init_session_defaults

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="DocMind", page_icon=":material/library_books:", layout="wide")
init_session_defaults()
st.navigation(
    [
        st.Page(PAGES / "documents.py", title="Documents", icon=":material/description:", default=True),
        st.Page(PAGES / "search.py", title="Search", icon=":material/search:"),
        st.Page(PAGES / "snapshots.py", title="Snapshots", icon=":material/inventory_2:"),
        st.Page(PAGES / "jobs.py", title="Job history", icon=":material/history:"),
    ]
).run()
