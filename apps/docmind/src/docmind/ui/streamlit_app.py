"""DocMind's Streamlit entry point: page config, session defaults, the access gate, navigation."""

from pathlib import Path

import streamlit as st

from docmind.ui.access_gate import require_access
from docmind.ui.session_keys import init_session_defaults

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="DocMind", page_icon=":material/library_books:", layout="wide")
init_session_defaults()
require_access()  # renders nothing else and stops this run until the session may use the app
st.navigation(
    [
        st.Page(PAGES / "documents.py", title="Documents", icon=":material/description:", default=True),
        st.Page(PAGES / "search.py", title="Search", icon=":material/search:"),
        st.Page(PAGES / "snapshots.py", title="Snapshots", icon=":material/inventory_2:"),
        st.Page(PAGES / "jobs.py", title="Job history", icon=":material/history:"),
    ]
).run()
