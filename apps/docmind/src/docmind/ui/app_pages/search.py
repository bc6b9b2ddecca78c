"""Search page: a text box over the active snapshot, the retrieval mode, hits with the matching passage."""

import streamlit as st
from docmind.ingest.listing import active_listing
from docmind.search import MODES, NoSnapshotError, SearchModeError, search
from docmind.source_files import SnapshotFiles
from docmind.ui.active_snapshot import active_snapshot_badge
from docmind.ui.runtime import service
from docmind.ui.search_results import search_results
from docmind_snapshots import SnapshotError

MODE_LABELS = {"hybrid": "Hybrid (keywords + meaning)", "bm25": "Keywords (BM25)", "dense": "Meaning (dense)"}

st.title("Search")
active_snapshot_badge(service())
query = st.text_input("Search", key="search_query", placeholder="a question, words or a phrase")
mode = st.radio(
    "Mode", MODES, format_func=MODE_LABELS.__getitem__, horizontal=True, key="search_mode", index=0
)
top_k = st.slider("Results", min_value=1, max_value=20, value=5, key="search_top_k")
if query.strip():
    try:
        result = search(service().store, query, k=top_k, mode=mode)
    except NoSnapshotError:
        st.info("Nothing to search yet: ingest some documents on the Documents page first.")
    except SearchModeError as exc:
        st.warning(f"{exc}.")
    except SnapshotError as exc:
        st.error(f"The active snapshot cannot be searched: {exc}")
    else:
        if result.keyword_only:
            st.caption("This snapshot is keyword-only (ingested without embeddings): BM25 search.")
        if result.fallback:
            st.warning(f"Keyword (BM25) results only: {result.fallback}.")
        if not result.hits:
            st.caption(f"No matches for “{query}”.")
        active = active_listing(service().store)
        files = SnapshotFiles(active[1] if active else None, service().sources())
        search_results("search_results", result.hits, query, files)
