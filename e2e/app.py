"""Page objects for DocMind's Streamlit UI, written against the UI contract only.

Locators use the contract: the uploader labelled "Upload documents", the buttons "Start ingestion" /
"Cancel ingestion", the containers ``job_panel`` and ``active_snapshot`` (CSS ``st-key-…``), the
state words, the ``role=progressbar`` of ``st.progress`` and the Search page's "Search" input.

Two init scripts run in every page before Streamlit's own code:

* a recorder (``window.__docmindPanel``) that a ``MutationObserver`` fills with every distinct
  (active snapshot, job, state, progress, files counter, first worker's file — none while its line
  says "no file") the page *displays*, so a test can check what a person saw without sampling races
  (and a failure report can show it). Each row also counts the visible job panels, progress bars in
  the panel and Start buttons on the page: a stale element of the previous render standing beside
  the new one shows as a count of 2;
* a gate on the fragment's ``run_every`` timer (Streamlit implements it as a browser
  ``setInterval`` that calls ``sendUpdateWidgetsMessage``). ``hold_ticks()`` makes the ticks no-ops,
  so the panel keeps exactly what the last rerun rendered — how a transient state such as
  Cancelling is screenshotted deterministically — and ``release_ticks()`` lets them run again.
  Clicks are not timers: a click still reruns the fragment while ticks are held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

UPLOAD_LABEL = "Upload documents"
START_LABEL = "Start ingestion"
CANCEL_LABEL = "Cancel ingestion"
SOURCE_PATH_LABEL = "Folder on the server"
ADD_SOURCE_LABEL = "Add source"
STATES = ("Idle", "Queued", "Running", "Cancelling", "Cancelled", "Succeeded", "Failed", "Interrupted")
ACTIVE_STATES = ("Queued", "Running", "Cancelling")

# Generous bounds: waits end as soon as their condition holds, so a bound only decides how long a
# real failure takes to report. A rerun is quick on a quiet machine but not on two cores other
# processes keep busy (the workers run at a lower priority than everything else, so a loaded machine
# slows a job several times over: `make stress`); a first job also starts a forkserver that imports
# LlamaIndex.
UI_TIMEOUT = 30_000
JOB_TIMEOUT = 300_000

PANEL_RECORDER = """
(() => {
  const seen = [];
  window.__docmindPanel = seen;
  const read = () => {
    const panel = document.querySelector('.st-key-job_panel');
    if (!panel) return;
    const state = panel.querySelector('strong');
    const job = panel.querySelector('code');
    const bar = panel.querySelector('[role=progressbar]');
    const label = panel.querySelector('[data-testid=stProgress] [data-testid=stMarkdownContainer]');
    const worker = [...panel.querySelectorAll('p')].find(p => p.textContent.startsWith('Worker 1:'));
    const held = worker ? worker.textContent.replace('Worker 1:', '').split(' · ')[0].trim() : null;
    const badge = document.querySelector('.st-key-active_snapshot code');
    const visible = (el) => el.checkVisibility();
    const starts = [...document.querySelectorAll('button')]
      .filter(b => b.textContent.trim() === 'Start ingestion' && visible(b)).length;
    const row = {
      at: Math.round(performance.now()),
      snapshot: badge ? badge.textContent : null,
      job: job ? job.textContent : null,
      state: state ? state.textContent : null,
      value: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
      files: label ? label.textContent : null,
      current: held === 'no file' ? null : held,
      bars: [...panel.querySelectorAll('[role=progressbar]')].filter(visible).length,
      starts,
      panels: [...document.querySelectorAll('.st-key-job_panel')].filter(visible).length,
    };
    const key = (r) => JSON.stringify({ ...r, at: 0 });
    const last = seen[seen.length - 1];
    if (!last || key(last) !== key(row)) seen.push(row);
  };
  const start = () => {
    new MutationObserver(read).observe(document.documentElement, {
      subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
    read();
  };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""

TICK_GATE = """
(() => {
  const gate = { held: false, registered: 0, skipped: 0 };
  window.__docmindTicks = gate;
  const realSetInterval = window.setInterval.bind(window);
  window.setInterval = (handler, timeout, ...args) => {
    if (typeof handler === 'function' && String(handler).includes('sendUpdateWidgetsMessage')) {
      gate.registered += 1;
      const gated = (...a) => {
        if (gate.held) { gate.skipped += 1; return undefined; }
        return handler(...a);
      };
      return realSetInterval(gated, timeout, ...args);
    }
    return realSetInterval(handler, timeout, ...args);
  };
})();
"""

_JOB_ID = re.compile(r"^[0-9a-f]{12}$")


def prepare(page: Page) -> Page:
    """Install the panel recorder and the tick gate (before any navigation of ``page``)."""
    page.add_init_script(PANEL_RECORDER)
    page.add_init_script(TICK_GATE)
    return page


@dataclass(frozen=True)
class PanelRow:
    """One distinct rendering of the job panel, as recorded in the browser (``at``: ms since page load)."""

    at: int
    snapshot: str | None
    job: str | None
    state: str | None
    value: int | None
    files: str | None
    current: str | None
    bars: int
    starts: int
    panels: int


class DocMindApp:
    """The app in one browser page."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    # -- locators ------------------------------------------------------------------------------------

    @property
    def panel(self) -> Locator:
        """The job panel container (``st.container(key="job_panel")``)."""
        return self.page.locator(".st-key-job_panel")

    @property
    def state_word(self) -> Locator:
        """The bold state word at the start of the panel's status line."""
        return self.panel.locator("strong").first

    @property
    def job_id(self) -> Locator:
        """The job id shown in the status line."""
        return self.panel.locator("code").first

    @property
    def progressbar(self) -> Locator:
        """The panel's ``st.progress`` (``aria-valuenow`` 0–100)."""
        return self.panel.get_by_role("progressbar")

    @property
    def start_button(self) -> Locator:
        """The "Start ingestion" button."""
        return self.panel.get_by_role("button", name=START_LABEL)

    @property
    def cancel_button(self) -> Locator:
        """The "Cancel ingestion" button."""
        return self.panel.get_by_role("button", name=CANCEL_LABEL)

    @property
    def sources(self) -> Locator:
        """The Documents page's Sources section (``st.container(key="documents_sources")``)."""
        return self.page.locator(".st-key-documents_sources")

    @property
    def active_snapshot(self) -> Locator:
        """The active-snapshot badge (``st.container(key="active_snapshot")``)."""
        return self.page.locator(".st-key-active_snapshot")

    # -- navigation and waiting ----------------------------------------------------------------------

    def open(self) -> DocMindApp:
        """Load the app (Documents is the default page) and wait until its first run is done.

        A session's first run imports what the page needs (the data frame's libraries among them):
        on two busy cores that takes longer than a click's rerun, so it gets the engine's bound.
        """
        self.page.goto(self.url)
        expect(self.panel).to_be_visible(timeout=JOB_TIMEOUT)
        self.wait_until_settled(JOB_TIMEOUT)
        return self

    def reload(self) -> None:
        """Reload the browser page (a new Streamlit session) and wait for its first run."""
        self.page.reload()
        expect(self.panel).to_be_visible(timeout=JOB_TIMEOUT)
        self.wait_until_settled(JOB_TIMEOUT)

    def wait_until_settled(self, timeout: float = UI_TIMEOUT) -> None:
        """Wait until the connected app has no script run in progress and no stale element."""
        app = self.page.get_by_test_id("stApp")
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
        expect(self.page.locator("[data-stale=true]")).to_have_count(0, timeout=timeout)

    def go_to(self, title: str) -> None:
        """Switch page through the sidebar navigation."""
        self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        expect(self.page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=UI_TIMEOUT)

    # -- documents -----------------------------------------------------------------------------------

    @property
    def upload_summary(self) -> Locator:
        """The last upload batch's summary (``st.container(key="documents_upload_summary")``)."""
        return self.page.locator(".st-key-documents_upload_summary")

    def upload(self, files: list[Path] | tuple[Path, ...]) -> str:
        """Choose ``files`` in the uploader's file chooser; return the per-file notes of the batch.

        Waits for the batch's summary line, then opens its details expander, reads the notes (one
        line per file) and closes it again, so the page looks as it did.
        """
        uploader = self.page.get_by_test_id("stFileUploader").filter(has_text=UPLOAD_LABEL)
        uploader.locator("input[type=file]").set_input_files([str(path) for path in files])
        notes = self.upload_summary.get_by_test_id("stExpanderDetails")
        expect(notes).to_contain_text(f"{files[-1].name}:", timeout=UI_TIMEOUT)
        self.wait_until_settled()
        toggle = self.upload_summary.get_by_test_id("stExpander").locator("summary")
        toggle.click()
        expect(notes).to_be_visible(timeout=UI_TIMEOUT)
        for path in files:
            expect(notes).to_contain_text(f"{path.name}:", timeout=UI_TIMEOUT)
        text = notes.inner_text()
        toggle.click()
        expect(notes).to_be_hidden(timeout=UI_TIMEOUT)
        self.wait_until_settled()
        return text

    def add_source(self, folder: Path) -> None:
        """Type ``folder`` into the Sources section's path field and click "Add source"."""
        box = self.sources.get_by_role("textbox", name=SOURCE_PATH_LABEL, exact=True)
        box.fill(str(folder))
        box.press("Enter")  # commit the text before the click (Streamlit applies it on blur or Enter)
        self.wait_until_settled()
        self.sources.get_by_role("button", name=ADD_SOURCE_LABEL).click()
        self.wait_until_settled()

    # -- the job -------------------------------------------------------------------------------------

    def start(self) -> str:
        """Click Start ingestion and return the id of the job the panel then follows."""
        expect(self.start_button).to_be_enabled(timeout=UI_TIMEOUT)
        previous = self.job_id.text_content() if self.job_id.count() else None
        self.start_button.click()
        expect(self.state_word).to_have_text(re.compile("|".join((*ACTIVE_STATES, "Succeeded", "Failed"))))
        if previous is not None:
            expect(self.job_id).not_to_have_text(previous, timeout=UI_TIMEOUT)
        job = self.job_id.text_content() or ""
        assert _JOB_ID.match(job), f"unexpected job id {job!r}"
        return job

    def expect_state(self, word: str, timeout: float = JOB_TIMEOUT) -> None:
        """Wait until the panel's state word is ``word``."""
        expect(self.state_word).to_have_text(word, timeout=timeout)

    def progress(self) -> int:
        """The progress bar's current ``aria-valuenow``."""
        return int(self.progressbar.get_attribute("aria-valuenow") or 0)

    def wait_progress_at_least(self, percent: int, timeout: float = JOB_TIMEOUT) -> int:
        """Wait until the job is Running with progress ≥ ``percent``; return the value seen."""
        handle = self.page.wait_for_function(
            """(min) => {
                const panel = document.querySelector('.st-key-job_panel');
                const bar = panel && panel.querySelector('[role=progressbar]');
                const state = panel && panel.querySelector('strong');
                if (!bar || !state || state.textContent !== 'Running') return false;
                const value = Number(bar.getAttribute('aria-valuenow'));
                return value >= min ? value : false;
            }""",
            arg=percent,
            timeout=timeout,
        )
        return int(handle.json_value())

    def snapshot_id(self) -> str | None:
        """The active snapshot id from the badge, or ``None`` when there is no snapshot yet."""
        expect(self.active_snapshot).to_be_visible(timeout=UI_TIMEOUT)
        code = self.active_snapshot.locator("code")
        return code.first.text_content() if code.count() else None

    def now(self) -> int:
        """The page's clock (``performance.now()``, ms since load), comparable with ``PanelRow.at``."""
        return int(self.page.evaluate("Math.round(performance.now())"))

    def recorded_panel(self) -> list[PanelRow]:
        """Every distinct panel rendering recorded since the page was loaded."""
        rows: list[dict[str, Any]] = self.page.evaluate("window.__docmindPanel || []")
        return [PanelRow(**row) for row in rows]

    def stale_duplicates(self) -> list[PanelRow]:
        """Recorded renderings that showed two job panels, two progress bars or two Start buttons."""
        return [row for row in self.recorded_panel() if max(row.panels, row.bars, row.starts) > 1]

    # -- the fragment's timer ------------------------------------------------------------------------

    def hold_ticks(self) -> None:
        """Stop the panel's ``run_every`` reruns (clicks still rerun) and let a pending rerun finish."""
        registered = self.page.evaluate("window.__docmindTicks.held = true, window.__docmindTicks.registered")
        assert registered > 0, "the fragment timer was not found: Streamlit's run_every changed?"
        self.wait_until_settled()

    def release_ticks(self) -> None:
        """Let the panel's ``run_every`` reruns happen again."""
        self.page.evaluate("window.__docmindTicks.held = false")

    # -- other pages ---------------------------------------------------------------------------------

    def search(self, query: str) -> Locator:
        """On the Search page, type ``query`` (Enter) and return the results container."""
        box = self.page.get_by_role("textbox", name="Search", exact=True)
        box.fill(query)
        box.press("Enter")
        return self.page.locator(".st-key-search_results")
