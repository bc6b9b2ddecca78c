"""Search page: a text box over the active snapshot; hits show the matching passage."""

import streamlit as st
from docmind.search import NoSnapshotError, search
from docmind.ui.active_snapshot import active_snapshot_badge
from docmind.ui.runtime import service
from docmind.ui.search_results import search_results
from docmind_snapshots import SnapshotError

st.title("Search")
active_snapshot_badge(service())
query = st.text_input("Search", key="search_query", placeholder="words or a phrase from your documents")
top_k = st.slider("Results", min_value=1, max_value=20, value=5, key="search_top_k")
if query.strip():
    try:
        hits = search(service().store, query, k=top_k)
    except NoSnapshotError:
        st.info("Nothing to search yet: ingest some documents on the Documents page first.")
    except SnapshotError as exc:
        st.error(f"The active snapshot cannot be searched: {exc}")
    else:
        if not hits:
            st.caption(f"No matches for “{query}”.")
        search_results("search_results", hits, query, service().sources())
