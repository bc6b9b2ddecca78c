"""What runs inside a worker process: die with the server, serve tasks, answer "was I asked to stop?".

Contract:
- **Dies with the server** (Linux): ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` right after the fork, then a check
  that the server is still its parent (it may have died in between). The server dies as soon as the job's
  process is gone, so a worker never outlives the job's process.
- **Reads its channel all the time**: a daemon thread receives every message as it arrives, so the parent
  may send the next tasks before the running one answers (they wait in the worker, in order) and never
  waits on a busy worker to take them; nor does the worker wait on the parent between two tasks.
- **Exits when its task channel hangs up**, even mid-task: that thread ends the process at once when the
  channel reaches its end (the job's process closed it or died). A killed parent therefore leaves no
  worker writing into a workspace that recovery has removed.
- **Runs one task at a time, in the order sent**: every :class:`~protocol.Task` gets exactly one reply; an
  exception becomes :class:`~protocol.Raised` (``Type: text``), never a traceback on the terminal.
- **Cooperative stop**: a task calls :func:`stop_requested` at safe points (between PDF pages); it turns
  true once the parent sent :class:`~protocol.Stop` after that task (a stop covers every task sent before
  it, none sent after it).
- **Notes before the reply**: what a task tells its parent while it runs (``task_context.report_progress``)
  goes on the task channel as :class:`~protocol.Note`, ahead of the task's reply; ``task_context`` asks
  :func:`stop_requested` whether to stop.

Only the fork server calls :func:`run`; task code calls :func:`stop_requested` (through ``task_context``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from docmind.executors import task_context
from docmind.executors.local.protocol import Done, Note, Raised, SpawnRequest, Stop, Task

_PR_SET_PDEATHSIG = 1

_channel: Connection | None = None
_inbox: queue.SimpleQueue[Task | Raised] = queue.SimpleQueue()
"""Tasks received and not yet run, in order (``Raised``: one that could not be unpickled)."""
_received = 0
"""How many tasks the reading thread has received (the number of the newest one)."""
_stopped_through = 0
"""Every task numbered up to this one was asked to stop."""
_running = 0
"""The number of the task running now."""


def run(channel_fd: int, server_pid: int, request: SpawnRequest) -> None:
    """Become a worker on ``channel_fd``; the process ends when the parent closes the channel.

    The server forked this process and closed what it should not keep; the caller exits the process after.
    """
    global _channel
    _die_with(server_pid)
    with contextlib.suppress(OSError):
        os.chdir(request.cwd)
    sys.path[:] = request.sys_path
    _channel = Connection(channel_fd)
    task_context.attach(_send_note, stop_requested)
    threading.Thread(target=_read, args=(_channel,), name="docmind-task-reader", daemon=True).start()
    _serve(_channel)


def stop_requested() -> bool:
    """True once the parent asked the running task to stop. Never blocks."""
    return 0 < _running <= _stopped_through


def _read(channel: Connection) -> None:
    """Receive every message as it arrives; end the process when the channel reaches its end."""
    global _received, _stopped_through
    while True:
        try:
            message = channel.recv()
        except (EOFError, OSError):
            os._exit(0)  # the job's process closed the channel or died: stop now, even mid-task
        except Exception as exc:  # the task could not be unpickled (say, a function the worker cannot import)
            _received += 1
            _inbox.put(Raised(_describe(exc)))
            continue
        if isinstance(message, Stop):
            _stopped_through = _received
        elif isinstance(message, Task):
            _received += 1
            _inbox.put(message)


def _send_note(value: Any) -> None:
    """Send ``value`` to the parent ahead of the running task's reply (raises ``OSError`` once it is gone)."""
    if _channel is not None:
        _channel.send(Note(value))


def _serve(channel: Connection) -> None:
    global _running
    while True:
        message = _inbox.get()
        _running += 1
        reply = message if isinstance(message, Raised) else _run(message)
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
