"""Documents page: upload, the job panel (in the first screenful), the source folders, the corpus."""

import streamlit as st
from docmind.ui.active_snapshot import active_snapshot_badge
from docmind.ui.corpus_table import corpus_table
from docmind.ui.documents_panel import render_job_panel
from docmind.ui.runtime import service
from docmind.ui.session_keys import init_session_defaults
from docmind.ui.sources_section import sources_section
from docmind.ui.uploader import upload_section

init_session_defaults()
st.title("Documents")
active_snapshot_badge(service())
upload_section(service())
render_job_panel()
sources_section(service())
corpus_table(service())
