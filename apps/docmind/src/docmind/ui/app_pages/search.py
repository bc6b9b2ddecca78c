"""Search page: a text box over the active snapshot, the retrieval mode, hits with the matching passage.

The mode selector offers the modes the active snapshot can run: on a keyword-only snapshot it shows
Keywords (BM25) alone, disabled, and says why, instead of offering Hybrid or Meaning.
"""

import streamlit as st
from docmind.ingest.index.listing import active_listing
from docmind.search import MODES, NoSnapshotError, SearchModeError, available_modes, search
from docmind.source_files import SnapshotFiles
from docmind.ui.active_snapshot import active_snapshot_badge
from docmind.ui.runtime import service
from docmind.ui.search_results import search_results
from docmind_snapshots import SnapshotError

MODE_LABELS = {"hybrid": "Hybrid (keywords + meaning)", "bm25": "Keywords (BM25)", "dense": "Meaning (dense)"}

st.title("Search")
active_snapshot_badge(service())
query = st.text_input("Search", key="search_query", placeholder="a question, words or a phrase")
try:
    modes, why_not = available_modes(service().store)
except (SnapshotError, OSError):
    modes, why_not = MODES, ""  # the search below reports what is wrong with the snapshot
if why_not:
    mode = st.radio(
        "Mode",
        modes,
        format_func=MODE_LABELS.__getitem__,
        horizontal=True,
        key="search_mode_keyword_only",
        disabled=True,
    )
    st.caption(
        f"Only keyword search (BM25): {why_not}, so it holds no vectors to search by meaning. "
        "Hybrid and meaning search need a snapshot ingested with embeddings on."
    )
else:
    mode = st.radio(
        "Mode", modes, format_func=MODE_LABELS.__getitem__, horizontal=True, key="search_mode", index=0
    )
top_k = st.slider("Results", min_value=1, max_value=20, value=5, key="search_top_k")
if query.strip():
    try:
        result = search(service().store, query, k=top_k, mode=mode, fusion=service().settings.fusion)
    except NoSnapshotError:
        st.info("Nothing to search yet: ingest some documents on the Documents page first.")
    except SearchModeError as exc:
        st.warning(f"{exc}.")
    except SnapshotError as exc:
        st.error(f"The active snapshot cannot be searched: {exc}")
    else:
        if result.keyword_only and not why_not:
            st.caption("This snapshot is keyword-only (ingested without embeddings): BM25 search.")
        if result.fallback:
            st.warning(f"Keyword (BM25) results only: {result.fallback}.")
        if not result.hits:
            st.caption(f"No matches for “{query}”.")
        active = active_listing(service().store)
        files = SnapshotFiles(active[1] if active else None, service().sources())
        search_results("search_results", result.hits, query, files)
