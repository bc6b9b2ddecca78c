"""AppTest fixtures: a fresh data dir and a fresh process service per test.

The test's own folder is the allowed source root (``DOCMIND_SOURCE_ROOTS``), so the pages may add
the folders a test makes; a test about the roots sets the variable itself before the first run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from docmind.runtime import close_process_service

PAGES = Path(__file__).resolve().parents[2] / "apps" / "docmind" / "src" / "docmind" / "ui" / "app_pages"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("DOCMIND_DATA_DIR", str(data))
    monkeypatch.delenv("DOCMIND_LIBRARY_DIRS", raising=False)
    monkeypatch.setenv("DOCMIND_SOURCE_ROOTS", str(tmp_path))
    close_process_service()
    st.cache_resource.clear()
    yield data
    close_process_service()
    st.cache_resource.clear()


def page(name: str) -> str:
    """Path of a page script for ``AppTest.from_file``."""
    return str(PAGES / f"{name}.py")
