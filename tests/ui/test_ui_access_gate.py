"""The access gate of the entry point, in AppTest over the real ``streamlit_app.py`` and navigation.

The tests set Streamlit's effective ``server.address`` as a server would have it, and
``DOCMIND_APP_TOKEN`` in the environment the app reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docmind.ui.access_gate import ENTRY_KEY, WRONG_ENTRY
from streamlit import config
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from tests.ui.conftest import PAGES

APP = str(PAGES.parent / "streamlit_app.py")
TOKEN = "correct horse battery staple é"  # not ASCII: the comparison must take any characters


@pytest.fixture
def address() -> Iterator[None]:
    """Give each test Streamlit's default address back afterwards."""
    original = config.get_option("server.address")
    yield
    config.set_option("server.address", original)


def _listen_on(address: str | None) -> None:
    config.set_option("server.address", address)


def _rendered(at: AppTest) -> list[str]:
    """Every element type the run rendered, in order (the gate must leave nothing but its own)."""
    return [node.type for node in at if not isinstance(node, Block)]


def _is_documents_page(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["Documents"] and at.button(key="job_panel_start").label == (
        "Start ingestion"
    )


def test_with_a_token_a_session_sees_only_the_password_field_until_it_enters_the_token(
    data_dir: Path, address: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _listen_on("0.0.0.0")
    monkeypatch.setenv("DOCMIND_APP_TOKEN", TOKEN)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    [field] = at.text_input
    assert field.key == ENTRY_KEY and field.proto.type == field.proto.PASSWORD
    assert _rendered(at) == ["text_input"]  # no title, no page, no navigation, no button, no download

    field.input(TOKEN[:-1]).run()
    assert [e.value for e in at.error] == [WRONG_ENTRY]
    assert _rendered(at) == ["text_input", "error"]
    assert at.text_input(key=ENTRY_KEY).value == ""  # the entry is not kept in the session
    at.text_input(key=ENTRY_KEY).input("").run()
    assert _rendered(at) == ["text_input", "error"]  # an empty entry is wrong too

    at.text_input(key=ENTRY_KEY).input(TOKEN).run()
    assert not at.exception
    assert _is_documents_page(at)
    assert not at.error and not any(t.key == ENTRY_KEY for t in at.text_input)
    at.run()  # remembered for the session: the next run renders the page at once
    assert _is_documents_page(at)

    fresh = AppTest.from_file(APP, default_timeout=60).run()  # another session asks again
    assert _rendered(fresh) == ["text_input"]


def test_a_token_is_asked_on_loopback_too(
    data_dir: Path, address: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _listen_on("127.0.0.1")
    monkeypatch.setenv("DOCMIND_APP_TOKEN", TOKEN)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert _rendered(at) == ["text_input"]


@pytest.mark.parametrize("where", [None, "0.0.0.0", "::", "192.168.1.20", "docs.example.org"])
def test_without_a_token_a_non_loopback_server_renders_one_line_and_nothing_else(
    data_dir: Path, address: None, monkeypatch: pytest.MonkeyPatch, where: str | None
) -> None:
    _listen_on(where)
    monkeypatch.delenv("DOCMIND_APP_TOKEN", raising=False)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert _rendered(at) == ["error"]
    [line] = [e.value for e in at.error]
    assert "DOCMIND_APP_TOKEN" in line and "\n" not in line
    assert not data_dir.exists()  # not even the data dir was opened


@pytest.mark.parametrize("where", ["127.0.0.1", "localhost", "::1"])
def test_without_a_token_a_loopback_server_renders_the_app(
    data_dir: Path, address: None, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _listen_on(where)
    monkeypatch.delenv("DOCMIND_APP_TOKEN", raising=False)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert _is_documents_page(at)
    assert all(t.proto.type != t.proto.PASSWORD for t in at.text_input)
