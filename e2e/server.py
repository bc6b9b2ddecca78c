"""A real DocMind Streamlit server for one test module: start, health-poll, kill -9, restart, stop.

The server runs in its own process group (``start_new_session=True``) so that the forkserver and
ingestion worker processes it spawns belong to that group too: ``kill9()`` and ``stop()`` signal the
whole group by its id, never anything by name. Output goes to a log file (a pipe could fill up and
block the server); every start appends to the same file, so a restart's log follows the crash.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "apps" / "docmind" / "src" / "docmind" / "ui" / "streamlit_app.py"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
LOG_PROBLEMS = ("Traceback", "missing ScriptRunContext")
PROBLEM_CONTEXT = 30
WORKERS = "2"
"""The server's worker count (``DOCMIND_WORKERS``) unless a module sets its own: the job panel draws
one line per worker, so a fixed count keeps its screenshots alike on machines with more cores."""


class ServerError(RuntimeError):
    """The server did not start, or did not stop, in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """One ``streamlit run`` of the DocMind app on a fixed port and data dir (restartable)."""

    def __init__(
        self, data_dir: Path, log_path: Path, port: int | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.env = env or {}
        self.port = port or free_port()
        self.problems_checked = 0  # how many log problems the tests have already looked at
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The app's address (127.0.0.1 only)."""
        return f"http://{HOST}:{self.port}/"

    @property
    def pid(self) -> int:
        """The server's pid, which is also its process group id."""
        if self._process is None:
            raise ServerError("the server is not running")
        return self._process.pid

    def command(self) -> list[str]:
        """The exact ``streamlit run`` command line."""
        return [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.headless", "true",
            "--server.address", HOST,
            "--server.port", str(self.port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--client.toolbarMode", "minimal",
        ]  # fmt: skip

    def start(self) -> None:
        """Start the server and return once ``/_stcore/health`` answers ``ok``."""
        if self._process is not None:
            raise ServerError("the server is already running")
        # A token of the calling shell would gate every page; a module that wants one sets it in ``env``.
        inherited = {name: value for name, value in os.environ.items() if name != "DOCMIND_APP_TOKEN"}
        env = {**inherited, "DOCMIND_WORKERS": WORKERS, **self.env, "DOCMIND_DATA_DIR": str(self.data_dir)}
        env.pop("DOCMIND_LIBRARY_DIRS", None)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {time.strftime('%H:%M:%S')} port {self.port} =====\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.command(),
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        health = f"{self.url}_stcore/health"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"streamlit exited with {self._process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(health, timeout=1) as response:  # 127.0.0.1 only
                    if response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            # A health poll needs some pause between attempts; this is not synchronisation with the app.
            time.sleep(0.05)
        raise ServerError(
            f"no healthy server on port {self.port} within {START_TIMEOUT}s:\n{self.log_text()}"
        )

    def kill9(self) -> None:
        """SIGKILL the whole process group (server, forkserver, workers) and reap the server."""
        process = self._take()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT)
        self._note("killed with SIGKILL")

    def terminate(
        self, timeout: float, signum: signal.Signals = signal.SIGTERM, *, reap_group: bool = True
    ) -> float:
        """Send ``signum`` to the server process only; return how long it took to exit.

        With ``reap_group`` the rest of its process group (a forkserver, workers) is killed afterwards;
        without, the caller checks that the group ends on its own and cleans up (``pid`` is the group id).

        Raises:
            ServerError: it did not exit within ``timeout`` (the group is then killed).
        """
        process = self._take()
        started = time.monotonic()
        process.send_signal(signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self._kill_group(process)
            raise ServerError(f"the server did not exit within {timeout}s of {signum.name}") from exc
        elapsed = time.monotonic() - started
        if reap_group:
            self._kill_group(process)  # leftovers of the group must not outlive the test
        self._note(f"exited {elapsed:.2f}s after {signum.name} with code {process.returncode}")
        return elapsed

    def stop(self) -> None:
        """Stop the server if it runs: SIGTERM to the group, SIGKILL after a grace period."""
        if self._process is None:
            return
        process = self._take()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
        self._kill_group(process)

    def restart(self) -> None:
        """Start again on the same port and data dir (after ``kill9`` or ``terminate``)."""
        self.start()

    @property
    def running(self) -> bool:
        """Whether a server process was started and has not been stopped."""
        return self._process is not None and self._process.poll() is None

    def _take(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise ServerError("the server is not running")
        process, self._process = self._process, None
        return process

    @staticmethod
    def _kill_group(process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)

    def _note(self, text: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"===== {text} =====\n")

    def log_text(self) -> str:
        """Everything the server wrote so far (all starts)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_problems(self) -> list[str]:
        """Excerpts of the log that show a bug: tracebacks, ``st.*`` calls from worker threads.

        Each excerpt is the offending line and what follows it (the traceback), in log order.
        """
        lines = self.log_text().splitlines()
        return [
            "\n".join(lines[number : number + PROBLEM_CONTEXT])
            for number, line in enumerate(lines)
            if any(problem in line for problem in LOG_PROBLEMS)
        ]
