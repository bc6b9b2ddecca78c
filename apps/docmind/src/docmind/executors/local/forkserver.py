"""The fork server: one warm process that imported the worker libraries, forking a worker per request.

Why our own (ADR-061): multiprocessing's forkserver hands every worker the parent's ``__main__`` to re-run
(under Streamlit that is the page script), and stopping it or keeping its workers from holding it alive
needs its private attributes. This one is built on public APIs only (``subprocess``, ``socket.send_fds``,
``os.fork``, ``os.pidfd_open``, ``signal.pidfd_send_signal``, ``prctl`` through ``ctypes``); Linux only.

Contract:
- **Starts in the background, signals held.** :meth:`ForkServer.start` (or the first spawn) launches the
  server from a thread that blocks SIGINT and SIGTERM; the server ignores both as its first act, so a Ctrl-C
  to the process group during its start-up or its preload never reaches it (``stop_signals``). Its preload
  runs in the server: the caller does not wait for it, only the first spawn does.
- **Workers start in milliseconds once the server is warm**: a spawn is one request on a socket and a
  ``fork`` of a process that already imported the preload (shared copy-on-write, frozen for the collector).
- **Never the parent's ``__main__``**: the server is a fresh interpreter running our own bootstrap, and a
  worker is a fork of it. Nothing of the job's process is re-imported except ``sys.path`` and the working
  directory; task functions travel by reference and must be importable by name.
- **Nothing outlives the job's process.** The server exits when its control socket hangs up (the job's
  process stopped it or died, even mid-preload); its workers die with it (``PR_SET_PDEATHSIG``) and exit
  on their own when their task channel hangs up (``worker_main``).
- **Lower priority.** The preload runs at the job's CPU priority, then the server lowers its own by
  ``niceness``; every worker inherits it, so the process that serves pages and takes Cancel clicks wins.
- **A start can be abandoned.** ``spawn(cancel)`` returns as soon as ``cancel`` is set, even while the
  server is still importing; the worker that start yields later is killed, never left running.
- **Restartable.** A spawn after the server died (or was stopped) starts a new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from docmind.executors.local.protocol import INT, SpawnRequest
from docmind.executors.local.stop_signals import stop_signals_blocked
from docmind.executors.local.worker_process import WorkerProcess

WORKER_NICENESS = 10
"""How much lower than the job's process the workers' CPU priority is (``nice`` increment)."""

_POLL_SECONDS = 0.05
# The server's sys.path is the job process's, set before anything of ours is imported; ``-P`` keeps the
# working directory (which may hold any "docmind" folder) off the path meanwhile.
_BOOTSTRAP = (
    "import json, sys; config = json.loads(sys.argv[2]); sys.path[:] = config['sys_path']; "
    "from docmind.executors.local.server_main import main; "
    "main(int(sys.argv[1]), config['preload'], config['niceness'])"
)


class WorkerStartCancelledError(Exception):
    """The cancel event was set before the worker was ready (the start is abandoned)."""


class WorkerStartError(RuntimeError):
    """No worker could be started: the server could not be started, died, or could not fork."""


class ForkServer:
    """A fork server process and the control socket to it. Thread-safe.

    Args:
        preload: Modules the server imports before it forks any worker.
        niceness: How much the server (and so every worker) lowers its CPU priority after the preload.
    """

    def __init__(self, preload: Sequence[str] = (), *, niceness: int = WORKER_NICENESS) -> None:
        self._preload = list(preload)
        self._niceness = niceness
        self._lock = threading.Lock()  # guards the process and the control socket
        self._exchange = threading.Lock()  # one spawn request and its reply at a time
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    @property
    def running(self) -> bool:
        """Whether the server process was started and has not exited (it may still be preloading)."""
        with self._lock:
            return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                return None
            return self._process.pid

    def start(self) -> None:
        """Start the server now unless it runs; returns at once (the preload goes on in the server).

        Raises:
            WorkerStartError: The server process could not be started.
        """
        self._control_socket()

    def spawn(self, cancel: threading.Event | None = None) -> WorkerProcess:
        """Fork a new worker from the server (starting the server if it does not run) and return its handle.

        Args:
            cancel: Checked while waiting (the first spawn waits for the preload): once set, the start is
                abandoned and the worker it yields later is killed.

        Raises:
            WorkerStartCancelledError: ``cancel`` was set first (or the start failed after it was set).
            WorkerStartError: The server could not be started or could not fork a worker.
        """
        if cancel is None:
            return self._spawn_now()
        return _AbandonableStart(self._spawn_now).wait(cancel)

    def stop(self) -> None:
        """Kill the server and reap it; its workers die with it. Nothing happens if it does not run."""
        with self._lock:
            process, control = self._process, self._control
            self._process = self._control = None
        if process is None or control is None:
            return
        _hang_up(control)  # also wakes a spawn waiting for its reply
        process.kill()  # at once, even in the middle of its preload (it ignores SIGTERM)
        process.wait()

    def _control_socket(self) -> socket.socket:
        with self._lock:
            if self._process is not None and self._control is not None and self._process.poll() is None:
                return self._control
            if self._control is not None:
                _hang_up(self._control)
            if self._process is not None:
                self._process.wait()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            config = {"sys_path": sys.path, "preload": self._preload, "niceness": self._niceness}
            argv = [sys.executable, "-P", "-c", _BOOTSTRAP, str(theirs.fileno()), json.dumps(config)]
            try:
                self._process = _start_with_stop_signals_blocked(argv, theirs.fileno())
            except OSError as exc:
                ours.close()
                self._process = self._control = None
                raise WorkerStartError(f"could not start the fork server: {_describe(exc)}") from exc
            finally:
                theirs.close()
            self._control = ours
            return ours

    def _spawn_now(self) -> WorkerProcess:
        control = self._control_socket()
        ours, theirs = socket.socketpair()
        status_r, status_w = os.pipe()
        try:
            request = SpawnRequest(cwd=str(Path.cwd()), sys_path=list(sys.path)).encode()
            with self._exchange:
                socket.send_fds(control, [request], [theirs.fileno(), status_w], socket.MSG_NOSIGNAL)
                data, fds, _, _ = socket.recv_fds(control, INT.size, 1, socket.MSG_CMSG_CLOEXEC)
        except OSError as exc:
            ours.close()
            os.close(status_r)
            raise WorkerStartError(f"could not start a worker: {_describe(exc)}") from exc
        finally:
            theirs.close()
            os.close(status_w)
        if len(data) != INT.size or not fds:
            ours.close()
            os.close(status_r)
            for fd in fds:
                os.close(fd)
            reason = (
                "the fork server is gone" if not data else f"fork failed: {os.strerror(-INT.unpack(data)[0])}"
            )
            raise WorkerStartError(f"could not start a worker: {reason}")
        (pid,) = INT.unpack(data)
        return WorkerProcess(pid, fds[0], Connection(ours.detach()), status_r)


def _hang_up(control: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already disconnected: the server is gone
        control.shutdown(socket.SHUT_RDWR)
    control.close()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _start_with_stop_signals_blocked(argv: list[str], control_fd: int) -> subprocess.Popen[bytes]:
    """Start the server from a fresh thread that blocks SIGINT and SIGTERM: the server inherits the mask.

    A fresh thread, so that the caller's own signal mask (the main thread's, say) is never touched.
    """
    started: list[subprocess.Popen[bytes]] = []
    failed: list[OSError] = []

    def start() -> None:
        with stop_signals_blocked():
            try:
                started.append(subprocess.Popen(argv, pass_fds=(control_fd,), stdin=subprocess.DEVNULL))
            except OSError as exc:
                failed.append(exc)

    thread = threading.Thread(target=start, name="docmind-fork-server-start")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return started[0]


class _AbandonableStart:
    """One spawn, run on a helper thread so that the caller can give up on it at once.

    Whichever side sees the worker last (the caller giving up, or the helper finishing) kills it, so an
    abandoned worker never outlives the start.
    """

    def __init__(self, spawn: Callable[[], WorkerProcess]) -> None:
        self._lock = threading.Lock()
        self._abandoned = False
        self._worker: WorkerProcess | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(spawn,), name="docmind-worker-start", daemon=True
        )
        self._thread.start()

    def _run(self, spawn: Callable[[], WorkerProcess]) -> None:
        try:
            worker = spawn()
        except BaseException as exc:  # handed to the caller, which decides what it means
            self._error = exc
            return
        with self._lock:
            self._worker = worker
            abandoned = self._abandoned
        if abandoned:
            _discard(worker)

    def wait(self, cancel: threading.Event) -> WorkerProcess:
        while self._thread.is_alive():
            if cancel.is_set():
                with self._lock:
                    self._abandoned = True
                    worker = self._worker
                if worker is not None:
                    _discard(worker)
                raise WorkerStartCancelledError
            self._thread.join(_POLL_SECONDS)
        if self._error is not None:
            if cancel.is_set():  # a signal to the whole group can end the server as the job is cancelled
                raise WorkerStartCancelledError from self._error
            raise self._error
        assert self._worker is not None
        return self._worker


def _discard(worker: WorkerProcess) -> None:
    worker.kill()
    worker.close()
