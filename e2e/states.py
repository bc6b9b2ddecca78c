"""Screenshots of the job panel and of the whole page in one job state, dynamic text masked.

Masked in every state: the job id, the active snapshot's line (id and creation time), the
published snapshot's id, the elapsed time and the throughput. While a job is (or was stopped)
mid-run the progress bar (width and files counter), every metric (chunks, ETA, failed files so
far), the activity line, the worker lines (a file or "no file": the panel draws one per slot, so
their number is fixed) and the ended job's counts are masked too: their values depend on timing,
not on the UI. Once a job ended, its duration is masked.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator

from e2e.app import DocMindApp
from e2e.visual import Snapshots

IDLE = "idle"
RUNNING = "running"
CANCELLING = "cancelling"
CANCELLED = "cancelled"
SUCCEEDED = "succeeded"
SUCCEEDED_WITH_FAILURES = "succeeded-with-failures"
FAILED = "failed"
INTERRUPTED = "interrupted"
EMBEDDING = "embedding"
ORDER = (
    IDLE,
    RUNNING,
    EMBEDDING,
    CANCELLING,
    CANCELLED,
    SUCCEEDED,
    SUCCEEDED_WITH_FAILURES,
    FAILED,
    INTERRUPTED,
)
MID_RUN = frozenset({RUNNING, EMBEDDING, CANCELLING, CANCELLED, INTERRUPTED})


def dynamic_parts(app: DocMindApp, state: str) -> list[Locator]:
    """The locators to mask for a screenshot in ``state``."""
    panel = app.panel
    markdown = "stMarkdownContainer"
    metric_value = panel.get_by_test_id("stMetric").filter(has_text="Elapsed").get_by_test_id("stMetricValue")
    parts = [
        panel.locator("code"),
        app.active_snapshot.get_by_test_id(markdown).filter(has_text=re.compile(r"^Active snapshot")),
        panel.get_by_test_id(markdown).filter(has_text=re.compile(r"^Published snapshot")),
        metric_value,
        panel.get_by_text(re.compile(r"^Throughput:")),
        panel.get_by_text(re.compile(r"^Duration:")),
    ]
    if state in MID_RUN:
        parts += [
            panel.get_by_test_id("stProgress"),
            panel.get_by_test_id("stMetricValue"),
            panel.get_by_text(re.compile(r"^Now:")),
            panel.get_by_test_id("stMarkdownContainer").filter(has_text=re.compile(r"^\d+ indexed ·")),
            panel.get_by_text(re.compile(r"^Worker \d+:")),
        ]
    return parts


def capture(app: DocMindApp, visual: Snapshots, state: str) -> None:
    """Screenshot the panel and the page in ``state`` (the caller has waited for that state)."""
    mask = dynamic_parts(app, state)
    visual.check(f"job_panel-{state}", app.panel, mask)
    visual.check(f"page-{state}", app.page, mask)
