"""The Documents page in AppTest with the real manager and engine on a small real corpus."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from docmind.runtime import process_service
from streamlit.testing.v1 import AppTest

from tests.support.corpus import make_pdf, make_text
from tests.ui.conftest import page

TIMEOUT = 120


def _status_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _run_until(at: AppTest, word: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        at.run(timeout=30)
        if f"**{word}**" in _status_text(at):
            return
        record = process_service().latest_ingestion()
        if record is not None and record.state.is_active:
            with contextlib.suppress(TimeoutError):
                process_service().jobs.wait(record.id, timeout=0.2)
    raise AssertionError(f"never reached {word}: {_status_text(at)}")


def test_start_runs_a_real_job_to_a_new_active_snapshot(data_dir: Path) -> None:
    make_text(data_dir / "documents" / "notes.md", phrase="orca notebook")
    make_pdf(data_dir / "documents" / "paper.pdf", pages=2)
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    assert not at.exception
    assert "No active snapshot yet" in at.info[0].value
    assert at.button(key="job_panel_cancel").disabled
    at.button(key="job_panel_start").click().run()
    _run_until(at, "Succeeded")
    current = process_service().store.current()
    assert current is not None
    assert any(current.id in m.value for m in at.markdown)
    assert any(current.id in s.value for s in at.success)
    summary = [m.value for m in at.markdown if "indexed ·" in m.value]
    assert summary and summary[0].startswith("2 indexed · 0 cached · 0 failed · 0 removed")
    assert "Search this snapshot" in summary[0]
    captions = " ".join(c.value for c in at.caption)
    assert "Duration:" in captions and "Now:" not in captions and "Worker" not in captions
    assert not at.button(key="job_panel_start").disabled


def test_cancel_ends_cancelled_and_keeps_the_active_snapshot(data_dir: Path) -> None:
    make_text(data_dir / "documents" / "seed.md")
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    at.button(key="job_panel_start").click().run()
    _run_until(at, "Succeeded")
    before = process_service().store.current()
    for i in range(8):
        make_pdf(data_dir / "documents" / f"big-{i}.pdf", pages=60, seed=i)
    at.button(key="job_panel_start").click().run()
    assert "**Running**" in _status_text(at) or "**Queued**" in _status_text(at)
    at.button(key="job_panel_cancel").click().run()
    assert "**Cancelling**" in _status_text(at) or "**Cancelled**" in _status_text(at)
    _run_until(at, "Cancelled")
    assert any("nothing was published" in w.value for w in at.warning)
    assert process_service().store.current() == before


def test_start_is_refused_while_a_job_runs(data_dir: Path) -> None:
    for i in range(8):
        make_pdf(data_dir / "documents" / f"big-{i}.pdf", pages=60, seed=i)
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    assert not at.button(key="job_panel_start").disabled
    job_id = process_service().start_ingestion(owner="another tab")
    try:
        at.button(key="job_panel_start").click().run()
        refusal = " ".join(e.value for e in at.error)
        assert "Refused" in refusal and job_id in refusal
        assert at.button(key="job_panel_start").disabled
    finally:
        process_service().jobs.cancel(job_id)
        process_service().jobs.wait(job_id, timeout=30)


def test_unusable_data_dir_shows_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DOCMIND_DATA_DIR", str(blocker))
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    assert not at.exception
    assert "cannot open its data dir" in at.error[0].value
