"""What runs inside the fork server process: preload once, then fork a worker per request.

The server's life, in order:
1. Ignore SIGINT and SIGTERM (its first act; it was started with both blocked: ``stop_signals``).
2. Import the preload (the bootstrap in ``forkserver`` already took the job process's ``sys.path``, so that
   this module itself is found as the job's process finds it), at the job's CPU priority (niced, the
   imports would starve behind any busy process and the first file would wait). Meanwhile a thread watches
   the control socket: if the job's process goes away, the server exits at once, mid-import. A module that
   fails to import is skipped: the preload only saves time, and a task that needs it reports the error.
3. Lower its CPU priority (every worker inherits it) and ``gc.freeze()`` what is loaded: forked workers then
   never write to those objects' GC headers, so more of the preloaded pages stay shared.
4. Serve on one thread: a spawn request forks a worker (a thread alive at a fork could hold a lock the
   child inherits locked forever, so there is none); an exited worker is reaped and its exit code written
   to its status pipe. The server exits when the control socket hangs up, and its workers die with it
   (``worker_main``).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import select
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from docmind.executors.local import worker_main
from docmind.executors.local.protocol import INT, SpawnRequest
from docmind.executors.local.stop_signals import ignore_stop_signals

_HANG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL
_REQUEST_LIMIT = 1 << 16


def main(control_fd: int, preload: Sequence[str], niceness: int) -> None:
    """Run the server on the control socket ``control_fd`` until it hangs up (see the module docstring)."""
    ignore_stop_signals()  # (1)
    control = socket.socket(fileno=control_fd)
    with _exit_on_hang_up(control):  # (2)
        for name in preload:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
    os.nice(niceness)  # (3)
    gc.freeze()
    _Server(control).serve()  # (4)


@contextlib.contextmanager
def _exit_on_hang_up(control: socket.socket) -> Iterator[None]:
    """While the block runs, exit the process if the control socket hangs up; the watch is gone after."""
    wake_r, wake_w = os.pipe()

    def watch() -> None:
        poller = select.poll()
        poller.register(control.fileno(), 0)  # hang-ups and errors only
        poller.register(wake_r, select.POLLIN)
        for fd, events in poller.poll():
            if fd == control.fileno() and events & _HANG_UP:
                os._exit(0)

    watcher = threading.Thread(target=watch, name="docmind-preload-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        os.write(wake_w, b"x")
        watcher.join()
        os.close(wake_r)
        os.close(wake_w)


@dataclass
class _Worker:
    pid: int
    status_w: int


class _Server:
    """The single-threaded fork loop."""

    def __init__(self, control: socket.socket) -> None:
        self._control = control
        self._workers: dict[int, _Worker] = {}  # by pidfd
        self._poller = select.poll()
        self._poller.register(control.fileno(), select.POLLIN)

    def serve(self) -> None:
        """Serve until the control socket hangs up."""
        while True:
            for fd, events in self._poller.poll():
                if fd == self._control.fileno():
                    if not events & select.POLLIN or not self._spawn():
                        return
                else:
                    self._reap(fd)

    def _spawn(self) -> bool:
        """Answer one spawn request; False once the control socket is gone."""
        try:
            data, fds, _, _ = socket.recv_fds(self._control, _REQUEST_LIMIT, 2)
        except OSError:
            return False
        if not data or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            return bool(data)
        channel_fd, status_w = fds
        try:
            request = SpawnRequest.decode(data)
        except (ValueError, TypeError):  # cut short (longer than _REQUEST_LIMIT) or not ours
            os.close(channel_fd)
            os.close(status_w)
            return self._reply(-errno.EMSGSIZE, [])
        server_pid = os.getpid()
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(channel_fd)
            os.close(status_w)
            return self._reply(-(exc.errno or 1), [])
        if pid == 0:
            self._become_worker(channel_fd, status_w, server_pid, request)
        os.close(channel_fd)
        pidfd = os.pidfd_open(pid)
        self._workers[pidfd] = _Worker(pid, status_w)
        self._poller.register(pidfd, select.POLLIN)
        return self._reply(pid, [pidfd])

    def _reply(self, pid: int, fds: list[int]) -> bool:
        try:
            socket.send_fds(self._control, [INT.pack(pid)], fds)
        except OSError:
            return False
        return True

    def _become_worker(self, channel_fd: int, status_w: int, server_pid: int, request: SpawnRequest) -> None:
        """In the forked child: keep only the task channel (and the standard streams), work, exit."""
        code = 1
        try:
            self._control.close()
            os.close(status_w)
            for pidfd, worker in self._workers.items():
                os.close(pidfd)
                os.close(worker.status_w)
            worker_main.run(channel_fd, server_pid, request)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _reap(self, pidfd: int) -> None:
        """Collect an exited worker and tell its parent the exit code."""
        worker = self._workers.pop(pidfd)
        self._poller.unregister(pidfd)
        _, status = os.waitpid(worker.pid, 0)
        with contextlib.suppress(OSError):  # the parent may have stopped listening
            os.write(worker.status_w, INT.pack(os.waitstatus_to_exitcode(status)))
        os.close(worker.status_w)
        os.close(pidfd)
