"""What runs inside a worker process: die with the server, serve tasks, answer "was I asked to stop?".

Contract:
- **Dies with the server** (Linux): ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` right after the fork, then a check
  that the server is still its parent (it may have died in between). The server dies as soon as the job's
  process is gone, so a worker never outlives the job's process.
- **Exits when its task channel hangs up**, even mid-task: a daemon thread watches the channel for a
  hang-up (the job's process closed it or died) and ends the process at once. A killed parent therefore
  leaves no worker writing into a workspace that recovery has removed.
- **Serves one task at a time**: every :class:`~protocol.Task` gets exactly one reply; an exception
  becomes :class:`~protocol.Raised` (``Type: text``), never a traceback on the terminal.
- **Cooperative stop**: a task calls :func:`stop_requested` at safe points (between PDF pages); it turns
  true once the parent sent :class:`~protocol.Stop` or hung up.
- **Notes before the reply**: what a task tells its parent while it runs (``task_context.report_progress``)
  goes on the task channel as :class:`~protocol.Note`, ahead of the task's reply; ``task_context`` asks
  :func:`stop_requested` whether to stop.

Only the fork server calls :func:`run`; task code calls :func:`stop_requested` (through ``task_context``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from docmind.executors import task_context
from docmind.executors.local.protocol import Done, Note, Raised, SpawnRequest, Stop, Task

_PR_SET_PDEATHSIG = 1
_HANG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL

_channel: Connection | None = None
_stop = False
_early: deque[Any] = deque()
"""Messages read by :func:`stop_requested` that were not a ``Stop`` (the parent broke the protocol)."""


def run(channel_fd: int, server_pid: int, request: SpawnRequest) -> None:
    """Become a worker on ``channel_fd``; return when the parent closes the channel.

    The server forked this process and closed what it should not keep; the caller exits the process after.
    """
    global _channel
    _die_with(server_pid)
    with contextlib.suppress(OSError):
        os.chdir(request.cwd)
    sys.path[:] = request.sys_path
    _channel = Connection(channel_fd)
    task_context.attach(_send_note, stop_requested)
    threading.Thread(
        target=_exit_on_hang_up, args=(channel_fd,), name="docmind-parent-watch", daemon=True
    ).start()
    _serve(_channel)


def stop_requested() -> bool:
    """True once the parent asked the running task to stop (or hung up). Call it from the task's thread.

    Never blocks: it reads only what has already arrived on the task channel.
    """
    global _stop
    if _stop or _channel is None:
        return _stop
    try:
        while _channel.poll():
            message = _channel.recv()
            if isinstance(message, Stop):
                _stop = True
            else:
                _early.append(message)
    except (EOFError, OSError):
        _stop = True
    return _stop


def _send_note(value: Any) -> None:
    """Send ``value`` to the parent ahead of the running task's reply (raises ``OSError`` once it is gone)."""
    if _channel is not None:
        _channel.send(Note(value))


def _serve(channel: Connection) -> None:
    global _stop
    while True:
        try:
            message = _early.popleft() if _early else channel.recv()
        except (EOFError, OSError):
            return
        except Exception as exc:  # the task could not be unpickled (say, a function the worker cannot import)
            reply: Any = Raised(_describe(exc))
        else:
            if not isinstance(message, Task):
                continue  # a Stop that came after its task had ended
            _stop = False
            reply = _run(message)
        try:
            channel.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # the result could not be pickled: nothing was written yet
            channel.send(Raised(_describe(exc)))


def _run(task: Task) -> Done | Raised:
    task_context.task_started()
    try:
        return Done(task.fn(task.argument))
    except Exception as exc:  # the parent decides what a failure means
        return Raised(_describe(exc))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _die_with(server_pid: int) -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)``, then exit if the server died before the call (its one race)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != server_pid:
        os._exit(0)


def _exit_on_hang_up(fd: int) -> None:
    """End the process once the task channel hangs up: the job's process closed it or died."""
    poller = select.poll()
    poller.register(fd, 0)  # no read events: only hang-ups and errors are reported
    while True:
        for _, events in poller.poll():
            if events & _HANG_UP:
                os._exit(0)
