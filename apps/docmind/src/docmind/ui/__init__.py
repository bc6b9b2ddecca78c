"""The Streamlit face of DocMind: entry script, pages, components."""
