"""Browser tests against a real ``streamlit run`` of DocMind (Playwright, system Chromium)."""
