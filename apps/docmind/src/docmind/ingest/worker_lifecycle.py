"""How worker processes start, what they do with stop signals, and how they die with their parent.

Contract:
- **The parent decides.** A terminal's Ctrl-C, ``docker stop``, systemd and Kubernetes signal the whole
  process group. The forkserver and the workers ignore SIGINT and SIGTERM (`ignore_stop_signals`, run by
  the forkserver's preload and again by every worker); the job's process cancels the job and kills its
  workers with SIGKILL. The forkserver is spawned by a thread that blocks both signals
  (`starting_worker`), as CPython spawns its resource tracker, so a signal that arrives while the
  forkserver starts up waits, blocked, until its preload ignores it.
- **Workers die with their parent.** A worker's parent process is the forkserver, which lives as long as
  some process holds the write end of its liveness pipe. A worker closes its inherited copy (it never
  starts processes itself), so the forkserver exits as soon as the job's process is gone; on Linux the
  kernel then kills every worker (``PR_SET_PDEATHSIG``). Everywhere, a worker also exits as soon as its
  task pipe hangs up, which happens when the job's process closes it or dies, even mid-task. A killed
  parent therefore leaves no worker writing into a workspace that recovery has removed.
- **Starting a worker never runs the parent's ``__main__``**: under Streamlit it is the page script.
- **A worker whose parent vanished mid-start dies quietly.** A job's process may exit (cancelled)
  while a worker start it abandoned is still queued at the forkserver; the new process then finds
  no task data. The forkserver reports a failed child through ``sys.excepthook``, which
  `quiet_when_the_parent_vanished` keeps silent for exactly that case: no traceback reaches the
  terminal of a command that already said, in one line, what happened.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import multiprocessing.spawn
import os
import select
import signal
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1
_HANG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL if hasattr(select, "poll") else 0

_hiding_lock = threading.Lock()
_hiding_starts = 0
_original_preparation_data = multiprocessing.spawn.get_preparation_data


WORKER_NICENESS = 10
"""How much lower than the job's process the workers' CPU priority is (``nice`` increment)."""


def lower_priority() -> None:
    """Lower this process's CPU priority by ``WORKER_NICENESS`` (the forkserver: every worker inherits it).

    Workers saturate the cores; the process that serves pages and takes Cancel clicks must win the CPU.
    """
    os.nice(WORKER_NICENESS)


def ignore_stop_signals() -> None:
    """Ignore SIGINT and SIGTERM in this process, dropping any that are pending, then unblock them."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def quiet_when_the_parent_vanished() -> None:
    """Keep ``sys.excepthook`` silent for the errors of a child whose parent went away (EOF, broken pipe)."""
    report = sys.excepthook

    def excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if not issubclass(kind, (EOFError, ConnectionError)):
            report(kind, value, tb)

    sys.excepthook = excepthook


def _preparation_data_without_main(name: str) -> dict[str, Any]:
    data = _original_preparation_data(name)
    data.pop("init_main_from_path", None)
    data.pop("init_main_from_name", None)
    return data


@contextlib.contextmanager
def _parent_main_hidden() -> Iterator[None]:
    """Leave the parent's ``__main__`` out of workers' preparation data while any start is in progress.

    The patch is shared by concurrent starts (a count), so the lock is held for an instant, never
    across a start: a start can wait seconds for the forkserver, and nothing else may wait for it.
    """
    global _hiding_starts
    with _hiding_lock:
        if _hiding_starts == 0:
            multiprocessing.spawn.get_preparation_data = _preparation_data_without_main
        _hiding_starts += 1
    try:
        yield
    finally:
        with _hiding_lock:
            _hiding_starts -= 1
            if _hiding_starts == 0:
                multiprocessing.spawn.get_preparation_data = _original_preparation_data


@contextlib.contextmanager
def starting_worker() -> Iterator[None]:
    """Wrap ``Process.start()``: block stop signals in this thread and hide the parent's ``__main__``.

    A forkserver spawned meanwhile inherits the two signals blocked (see the module contract). The
    resource tracker is started first: starting it *unblocks* both signals in the calling thread
    (CPython 3.11), which would otherwise happen just before the forkserver is spawned.
    """
    multiprocessing.resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        with _parent_main_hidden():
            yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def die_with_parent(conn: Connection) -> None:
    """Make this worker process exit when the job's process goes away (see the module contract)."""
    _release_forkserver()
    _kill_me_when_the_forkserver_dies()
    if _HANG_UP:
        threading.Thread(target=_exit_on_hang_up, args=(conn.fileno(),), name="docmind-parent-watch",
                         daemon=True).start()  # fmt: skip


def _release_forkserver() -> None:
    """Close this worker's copy of the write end of the forkserver's liveness pipe.

    Every process the forkserver forks receives that copy (a child may start processes through the same
    forkserver). Ours never do; holding it would keep the forkserver alive after the job's process died.
    """
    server = multiprocessing.forkserver._forkserver
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
        setattr(server, "_forkserver_alive_fd", None)  # noqa: B010 - a private attribute of CPython's


def _kill_me_when_the_forkserver_dies() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills this process when its parent exits (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _exit_on_hang_up(fd: int) -> None:
    """Exit the process once the task pipe hangs up: the job's process closed it or died."""
    poller = select.poll()
    poller.register(fd, 0)  # no read events: only hang-ups and errors are reported
    while True:
        for _, events in poller.poll():
            if events & _HANG_UP:
                os._exit(0)
