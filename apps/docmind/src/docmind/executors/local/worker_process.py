"""The job process's handle of one worker: its task channel, a sentinel, and a kill without pid races.

A worker is the fork server's child, not ours: the handle knows it by a pidfd (sent by the server, which
opened it before the worker could be reaped), so :meth:`WorkerProcess.kill` can never signal another
process that reused the pid, and the pidfd is the sentinel that becomes readable the moment the worker
exits. The exit code comes from the server, which reaps the worker and writes it to the status pipe.

One thread uses a handle at a time, except :meth:`~WorkerProcess.kill`, which is safe from any thread.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from docmind.executors.local.protocol import INT, Done, Note, Raised, Stop, Task

EXIT_CODE_WAIT = 5.0
"""How long :meth:`WorkerProcess.receive` waits for the server to report a dead worker's exit code."""


class WorkerExitedError(RuntimeError):
    """The worker died before it answered (a native crash, the OOM killer, a kill).

    Attributes:
        exitcode: Its exit code (``-N`` for signal N), or None when the server could not say.
    """

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the worker process died (exit code {exitcode})")
        self.exitcode = exitcode


class TaskFailedError(RuntimeError):
    """The task raised in the worker; the message is ``Type: text`` of the original error."""


class WorkerProcess:
    """One worker process, made by ``ForkServer.spawn``.

    Attributes:
        pid: The worker's process id (for display and tests; never used to signal it).
        connection: The task channel: :meth:`send` a task, then :meth:`receive` its reply; or wait with
            ``multiprocessing.connection.wait`` on it together with :attr:`sentinel`, and :meth:`read`
            one message each time it is ready.
    """

    def __init__(self, pid: int, pidfd: int, connection: Connection, status_fd: int) -> None:
        self.pid = pid
        self.connection = connection
        self._pidfd = pidfd
        self._status_fd = status_fd
        self._exitcode: int | None = None
        self._status_read = False
        self._lock = threading.Lock()  # kill() against close(): never signal through a closed pidfd
        self._closed = False

    @property
    def sentinel(self) -> int:
        """A file descriptor that becomes readable when the worker exits (for ``connection.wait``)."""
        return self._pidfd

    def send(self, fn: Callable[[Any], Any], argument: Any) -> None:
        """Hand the worker ``fn(argument)``; ``fn`` must be importable by name (it travels by reference)."""
        self.connection.send(Task(fn, argument))

    def receive(self, on_note: Callable[[Any], None] | None = None) -> Any:
        """Wait for the running task's reply and return its value.

        Args:
            on_note: Told the value of every note the task sends before its reply, in order.

        Raises:
            TaskFailedError: The task raised (the message names the original error).
            WorkerExitedError: The worker died first (its exit code is None if the server did not report it
                within ``EXIT_CODE_WAIT`` seconds).
        """
        while isinstance(message := self.read(), Note):
            if on_note is not None:
                on_note(message.value)
        return message.value

    def read(self) -> Note | Done:
        """Wait for the running task's next message: a note it sent, or its reply (``Done``).

        Raises:
            TaskFailedError: The task raised (the message names the original error).
            WorkerExitedError: The worker died first (its exit code is None if the server did not report it
                within ``EXIT_CODE_WAIT`` seconds).
        """
        try:
            message = self.connection.recv()
        except (EOFError, OSError):
            self.join(EXIT_CODE_WAIT)
            raise WorkerExitedError(self.exitcode) from None
        if isinstance(message, Raised):
            raise TaskFailedError(message.message)
        assert isinstance(message, Note | Done)
        return message

    def request_stop(self) -> None:
        """Ask the running task to stop at its next ``stop_requested()`` check (between PDF pages, say)."""
        with contextlib.suppress(OSError):
            self.connection.send(Stop())

    def kill(self) -> None:
        """SIGKILL the worker through its pidfd (nothing happens once it has exited). Safe from any thread."""
        with self._lock:
            if self._closed:
                return
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def is_alive(self) -> bool:
        """Whether the worker is still running."""
        return not self._closed and not _readable(self._pidfd, 0)

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: no bound) for the worker to exit, and for its exit code.

        Returns:
            True when it has exited (:attr:`exitcode` is then known, unless the server went away first).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if not _readable(self._pidfd, timeout):
            return False
        self._read_status(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return True

    @property
    def exitcode(self) -> int | None:
        """The exit code (``-N`` for signal N) once the worker has exited and the server reported it."""
        if not self._closed and _readable(self._pidfd, 0):
            self._read_status(0)
        return self._exitcode

    def close(self, grace: float = 0.2) -> None:
        """End the worker and release the handle. Idempotent.

        Closes the task channel (an idle worker returns from its loop), waits up to ``grace`` seconds, kills
        the worker if it is still there, and waits until it has exited.
        """
        if self._closed:
            return
        self.connection.close()
        if not _readable(self._pidfd, grace):
            self.kill()
            _readable(self._pidfd, None)  # SIGKILL cannot be ignored: this wait is short
        with self._lock:
            self._closed = True
            os.close(self._pidfd)
            os.close(self._status_fd)

    def _read_status(self, timeout: float | None) -> None:
        if self._status_read or not _readable(self._status_fd, timeout):
            return
        data = os.read(self._status_fd, INT.size)
        self._status_read = True
        if len(data) == INT.size:
            (self._exitcode,) = INT.unpack(data)


def _readable(fd: int, timeout: float | None) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else int(timeout * 1000)))
