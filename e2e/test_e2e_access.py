"""The access gate in a real browser: with DOCMIND_APP_TOKEN set, a session sees only a password field
until it enters the token (a real ``streamlit run`` on 127.0.0.1, real Chromium)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.app import JOB_TIMEOUT, UI_TIMEOUT, DocMindApp, prepare
from e2e.server import StreamlitServer
from e2e.visual import Snapshots

TOKEN = "e2e-token-5d1f0a27c4"
APP_PARTS = (
    ".st-key-job_panel",
    ".st-key-active_snapshot",
    "[data-testid=stSidebarNav]",
    "[data-testid=stSidebar]",
    "[data-testid=stFileUploader]",
    "[data-testid=stDownloadButton]",
    "h1",
)


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"DOCMIND_APP_TOKEN": TOKEN}


def _open(new_context: Callable[..., BrowserContext], url: str) -> DocMindApp:
    """A new browser session on ``url``, once its first run is done (no panel expected)."""
    app = DocMindApp(prepare(new_context().new_page()), url)
    app.page.goto(url)
    expect(app.page.locator("input[type=password]")).to_be_visible(timeout=JOB_TIMEOUT)
    app.wait_until_settled()
    return app


def _shows_only_the_gate(page: Page, *, elements: int) -> None:
    """The page holds the password field (and ``elements - 1`` message lines) and no part of the app."""
    expect(page.get_by_test_id("stElementContainer")).to_have_count(elements)
    expect(page.locator("input[type=password]")).to_have_count(1)
    for part in APP_PARTS:
        expect(page.locator(part)).to_have_count(0)
    assert TOKEN not in page.content()


def _enter(app: DocMindApp, text: str) -> None:
    field = app.page.locator("input[type=password]")
    field.fill(text)
    field.press("Enter")
    app.wait_until_settled()


def test_a_session_sees_only_the_password_field_until_it_enters_the_token(
    new_context: Callable[..., BrowserContext], server: StreamlitServer, visual: Snapshots
) -> None:
    app = _open(new_context, server.url)
    _shows_only_the_gate(app.page, elements=1)

    _enter(app, TOKEN.upper())
    expect(app.page.get_by_test_id("stAlert")).to_have_text("Wrong access token.", timeout=UI_TIMEOUT)
    _shows_only_the_gate(app.page, elements=2)
    expect(app.page.locator("input[type=password]")).to_have_value("")
    visual.check("access-gate-wrong-token", app.page)

    _enter(app, TOKEN)
    expect(app.panel).to_be_visible(timeout=JOB_TIMEOUT)
    expect(app.page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    expect(app.page.locator("input[type=password]")).to_have_count(0)
    expect(app.page.get_by_test_id("stAlert").filter(has_text="Wrong access token.")).to_have_count(0)
    app.go_to("Search")  # the session keeps its access from page to page
    expect(app.page.get_by_role("textbox", name="Search", exact=True)).to_be_visible()

    app.page.reload()  # a new session: the token is asked again
    expect(app.page.locator("input[type=password]")).to_be_visible(timeout=JOB_TIMEOUT)
    app.wait_until_settled()
    _shows_only_the_gate(app.page, elements=1)
    assert TOKEN not in server.log_text()


def test_a_page_address_opened_directly_shows_only_the_gate(
    new_context: Callable[..., BrowserContext], server: StreamlitServer
) -> None:
    for path in ("search", "snapshots", "jobs"):
        app = _open(new_context, f"{server.url}{path}")
        _shows_only_the_gate(app.page, elements=1)
        app.page.context.close()
