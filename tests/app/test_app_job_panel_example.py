"""The job panel component's ``example()`` renders in AppTest: the running state with workers' lines."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _example() -> None:
    from docmind.ui.components.job_panel import example

    example()


def test_the_example_renders_a_running_panel() -> None:
    at = AppTest.from_function(_example, default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)
    assert "**Running**" in text and "Now: parsing and splitting" in text
    assert "Worker 1: reports/annual-2025.pdf · 8.4 MiB · 27s" in text
    assert "Worker 2: notes/meeting.md" in text
    assert not at.button(key="job_panel_example_cancel").disabled
    assert at.button(key="job_panel_example_start").disabled
