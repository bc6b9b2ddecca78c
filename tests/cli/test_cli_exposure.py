"""``docmind app`` is local unless a token opens it: real starts, listening addresses from the socket table.

Every request goes to a loopback address. Where the server listens is read from the socket table,
never by connecting to another address of this machine.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
from pathlib import Path

import pytest
from docmind.exposure import is_loopback, token_matches

from tests.support.app_process import listening, start_app, stop_app, wait_serving
from tests.support.cli import run_docmind
from tests.support.corpus import make_text
from tests.support.sockets import unused_port

TOKEN = "a-shared-secret-7f3c9b1e"
QUIET = ("--browser.serverAddress", "localhost")  # one printed URL: Streamlit asks no web service for an IP


def _websocket_status(port: int, host_header: str, to: str = "127.0.0.1") -> int:
    """The status of a WebSocket handshake sent to ``to:port`` (loopback) naming ``host_header``."""
    connection = http.client.HTTPConnection(to, port, timeout=10)
    try:
        connection.putrequest("GET", "/_stcore/stream", skip_host=True)
        headers = {
            "Host": host_header,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
            "Sec-WebSocket-Protocol": "streamlit",
        }
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def _health_cookies(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/_stcore/health")
        return connection.getresponse().getheader("set-cookie") or ""
    finally:
        connection.close()


def test_by_default_the_app_listens_on_loopback_only_and_keeps_xsrf_protection(tmp_path: Path) -> None:
    port = unused_port()
    process, log = start_app(tmp_path, "--port", str(port))
    try:
        output = wait_serving(port, process, log, printed=f"URL: http://localhost:{port}")
        assert listening(port) == {"127.0.0.1"}
        assert "_streamlit_xsrf=" in _health_cookies(port)  # Streamlit sets it only with XSRF protection on
        # A page whose domain was rebound to 127.0.0.1 names its own host: the app does not answer it.
        assert _websocket_status(port, f"localhost:{port}") == 101
        assert _websocket_status(port, f"rebound.example:{port}") == 403
    finally:
        stop_app(process)
    assert "for this machine only (127.0.0.1)" in output


@pytest.mark.parametrize("address", ["localhost", "127.0.0.2"])
def test_a_chosen_loopback_address_needs_no_token(tmp_path: Path, address: str) -> None:
    port = unused_port()
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text(f'[server]\naddress = "{address}"\n')
    process, log = start_app(tmp_path, "--port", str(port), *QUIET)
    try:
        wait_serving(port, process, log, host=address)
        where = listening(port)
        assert where and all(is_loopback(ip) for ip in where), where
        assert _websocket_status(port, f"{address}:{port}", to=address) == 101
        assert _websocket_status(port, f"rebound.example:{port}", to=address) == 403
    finally:
        stop_app(process)


def test_an_open_address_with_a_token_listens_there_and_never_prints_the_token(tmp_path: Path) -> None:
    port = unused_port()
    process, log = start_app(
        tmp_path, "--server.address", "0.0.0.0", "--port", str(port), *QUIET, env={"DOCMIND_APP_TOKEN": TOKEN}
    )
    try:
        output = wait_serving(port, process, log, printed=f"URL: http://localhost:{port}")
        assert listening(port) == {"0.0.0.0"}  # read from the socket table, never connected to
        assert "_streamlit_xsrf=" in _health_cookies(port)
    finally:
        stop_app(process)
    assert "on 0.0.0.0; every browser must enter DOCMIND_APP_TOKEN" in output
    assert TOKEN not in output


@pytest.mark.parametrize(
    ("how", "address"),
    [
        ("flag", "0.0.0.0"),
        ("flag", "::"),
        ("flag", "192.168.77.5"),
        ("flag", ""),
        ("environment", "docs.example.org"),
        ("config file", "0.0.0.0"),
        ("blank token", "0.0.0.0"),
    ],
)
def test_an_open_address_without_a_token_is_refused_in_one_line(
    tmp_path: Path, how: str, address: str
) -> None:
    port = unused_port()
    args, env = ["--port", str(port)], {"DOCMIND_APP_TOKEN": ""}
    if how in ("flag", "blank token"):
        args.append(f"--server.address={address}")
    if how == "blank token":
        env["DOCMIND_APP_TOKEN"] = "   "
    if how == "environment":
        env["STREAMLIT_SERVER_ADDRESS"] = address
    if how == "config file":
        (tmp_path / ".streamlit").mkdir()
        (tmp_path / ".streamlit" / "config.toml").write_text(f'[server]\naddress = "{address}"\n')
    result = run_docmind(tmp_path / "data", "app", *args, env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    where = address or "every interface"
    assert line.startswith(f"docmind: app: refusing to serve on {where} without DOCMIND_APP_TOKEN: "), line
    assert result.stdout == ""  # nothing started
    assert listening(port) == set()
    assert not (tmp_path / "data").exists()


def test_loopback_and_tokens_are_told_apart_exactly() -> None:
    loopback = [
        "127.0.0.1",
        "127.45.0.9",
        "::1",
        "::ffff:127.0.0.1",
        "localhost",
        "LocalHost.",
        "unix:///run/dm.sock",
    ]
    other = [
        None,
        "",
        "0.0.0.0",
        "::",
        "192.168.1.20",
        "10.0.0.1",
        "fe80::1",
        "docs.example.org",
        "localhost.example",
    ]
    other += ["[::1]", " 127.0.0.1", "127.0.0.1.nip.io"]
    assert [a for a in loopback if not is_loopback(a)] == []
    assert [a for a in other if is_loopback(a)] == []
    assert token_matches("s3cret é", "s3cret é")
    assert (
        not token_matches("s3cret e", "s3cret é")
        and not token_matches("", "x")
        and not token_matches("x", "xx")
    )


def test_the_cli_adds_and_ingests_folders_outside_the_source_roots(tmp_path: Path) -> None:
    shelf, other = tmp_path / "shelf", tmp_path / "other"
    make_text(shelf / "a.md")
    make_text(other / "b.md", seed=2)
    env = {"DOCMIND_SOURCE_ROOTS": str(tmp_path / "roots-elsewhere")}
    added = run_docmind(tmp_path / "data", "sources", "add", str(shelf), env=env)
    assert added.returncode == 0, added.stderr
    ingested = run_docmind(tmp_path / "data", "ingest", str(other), "--json", env=env)
    assert ingested.returncode == 0, ingested.stderr
    listed = run_docmind(tmp_path / "data", "sources", "list", "--json", env=env)
    assert [source["path"] for source in json.loads(listed.stdout)] == [str(shelf), str(other)]
