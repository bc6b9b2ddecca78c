"""Progress: within each phase the bar only rises, and it reaches 100; counters move; the rest of the app
stays usable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.conftest import DataDirSetup
from e2e.documents import LONG_FILES, E2ECorpus


@pytest.fixture(scope="module")
def prepare_data_dir(corpus: E2ECorpus) -> DataDirSetup:
    def fill(data: Path) -> None:
        corpus.long_corpus(data / "documents", tag="progress")

    return fill


def test_progress_never_decreases_and_the_page_stays_usable(app: DocMindApp) -> None:
    job = app.start()
    app.wait_progress_at_least(5)

    # Other pages respond while the job runs, and they see it.
    app.go_to("Job history")
    # st.dataframe draws on a canvas; its cells are in the canvas's accessible fallback table.
    row = app.page.get_by_test_id("stDataFrame").locator("tr[role=row]").filter(has_text=job)
    expect(row).to_contain_text("Running", timeout=UI_TIMEOUT)
    app.go_to("Search")
    app.search("ledger harbour")
    expect(app.page.get_by_text("Nothing to search yet")).to_be_visible(timeout=UI_TIMEOUT)
    app.go_to("Documents")

    # Back on Documents, the panel follows the same job, still running, and it moves on.
    expect(app.job_id).to_have_text(job, timeout=UI_TIMEOUT)
    app.expect_state("Running", timeout=UI_TIMEOUT)
    seen = app.progress()
    app.wait_progress_at_least(seen + 1)
    app.expect_state("Succeeded")
    expect(app.progressbar).to_have_attribute("aria-valuenow", "100")

    rows = [row for row in app.recorded_panel() if row.job == job]
    values = [row.value for row in rows if row.value is not None]
    assert values[-1] == 100
    assert len(set(values)) >= 5, f"too few progress steps shown: {values}"
    # The bar counts each phase's own units: files (by bytes read), then the chunks indexed.
    for unit in ("files", "chunks indexed"):
        phase = [row.value for row in rows if row.value is not None and (row.files or "").endswith(unit)]
        assert phase == sorted(phase), f"progress went down while counting {unit}: {phase}"
    # Rows recorded while Streamlit was still streaming the panel's elements lack the later ones (None).
    counters = {row.files for row in rows if row.state == "Running" and row.files is not None}
    assert len({c for c in counters if c.endswith(" files")}) >= 5, (
        f"the files counter hardly moved: {counters}"
    )
    # "0 / 0 files" while the sources are scanned, then "n / total files", then the index's chunks.
    expected = rf"0 / 0 files|\d+ / {LONG_FILES} files|[\d,]+ / [\d,]+ chunks indexed"
    odd = {c for c in counters if not re.fullmatch(expected, c)}
    assert not odd, f"unexpected files counters: {odd}"
    current = {row.current for row in rows if row.state == "Running" and row.current not in (None, "–")}
    assert len(current) >= 3, f"the current file hardly changed: {current}"
    assert all(name.endswith(".pdf") for name in current)
