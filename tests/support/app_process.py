"""``docmind app`` for real in a subprocess: start it, wait until it serves, read where it listens, stop it.

Traffic goes only to loopback: the health check is sent to a loopback host; where the server listens
is read from the socket table (psutil), never by connecting to another address.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from tests.support.cli import docmind_argv, docmind_env

START_TIMEOUT = 60.0


def start_app(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``docmind app ARGS`` on ``tmp_path/data`` in its own process group; return it and its log."""
    log = tmp_path / f"app-{time.monotonic_ns()}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            docmind_argv("app", *args),
            env=docmind_env(tmp_path / "data", **(env or {})),
            cwd=cwd or tmp_path,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def wait_serving(
    port: int, process: subprocess.Popen[bytes], log: Path, host: str = "127.0.0.1", printed: str = ""
) -> str:
    """Wait until the app answers its health check at ``host:port`` (a loopback host) and its log holds
    ``printed`` (Streamlit prints its URL after it serves); return the log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as reply:
                healthy = reply.read() == b"ok"
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            healthy = False
        if healthy and printed in log.read_text():
            return log.read_text()
        # A health poll needs some pause between attempts; this is not synchronisation with the app.
        time.sleep(0.05)
    raise AssertionError(f"nothing served on port {port}:\n{log.read_text()}")


def listening(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on ``port`` (from the socket table)."""
    return {
        conn.laddr.ip
        for conn in psutil.net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port
    }


def stop_app(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the app's process group; SIGKILL it if it has not exited within 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
