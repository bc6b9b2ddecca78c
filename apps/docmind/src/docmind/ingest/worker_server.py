"""The worker server: the forkserver that every ingestion worker is forked from, and what it preloads.

Contract:
- **One per process**, made on first use. The first caller decides the preload: ``FORKSERVER_PRELOAD``
  (what parsing and splitting need: well under a second of imports), and by default ``INDEX_PRELOAD``
  before it (the index build's libraries: seconds). A process that runs many jobs (the app, a test's
  service, the local side of a Ray job) pays those imports once; ``docmind ingest`` on local workers
  asks for the light preload as it starts (``docmind.cli.early_start``), so its first file waits only
  for that, and the worker that builds its index imports the rest while the last files are parsed
  (``WorkerPool.prepare``). ADR-055 has the figures.
- **Started in the background** by ``warm_worker_server``, from a thread that blocks the stop signals
  as every worker start does (``worker_lifecycle.starting_worker``): a Ctrl-C that reaches the process
  group during the preload waits, blocked, until the preload ignores it.
- **A one-shot command ends it** (``stop_worker_server``) when it is done: the preload may still be
  running (the command found nothing to parse), and the server holds the command's standard output
  open until it exits, so a pipe reading the command would wait for it.
- This module imports only the standard library and ``worker_lifecycle``, so a command can start the
  server before its own imports.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from typing import Any

from docmind.ingest.worker_lifecycle import starting_worker

FORKSERVER_PRELOAD: tuple[str, ...] = ("docmind.ingest.worker_preload",)
"""The modules the forkserver imports before it forks workers (read when the context is first made)."""
INDEX_PRELOAD: tuple[str, ...] = ("docmind.ingest.index_preload",)
"""Imported before ``FORKSERVER_PRELOAD`` unless the worker server is asked for the light preload."""

_context_lock = threading.Lock()
_context: Any = None
_index_libraries = True


def forkserver_context(with_index_libraries: bool = True) -> Any:
    """The process's forkserver context; the first call decides the preload (see the module contract).

    The lock is held for an instant: the forkserver itself starts with the first worker (or warm-up).
    """
    global _context, _index_libraries
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            _index_libraries = with_index_libraries
            extra = INDEX_PRELOAD if with_index_libraries else ()
            ctx.set_forkserver_preload([*extra, *FORKSERVER_PRELOAD])
            _context = ctx
        return _context


def preloads_index_libraries() -> bool:
    """Whether workers come with the index build's libraries loaded (else the build imports them)."""
    with _context_lock:
        return _index_libraries


def warm_worker_server(with_index_libraries: bool = True) -> threading.Thread:
    """Start the worker server (the forkserver and its preload) in the background; return the thread.

    The first worker of a program otherwise waits for the preload. ``with_index_libraries`` counts
    only if no worker server was asked for before in this process.
    """

    def start() -> None:
        import multiprocessing.forkserver

        forkserver_context(with_index_libraries)
        with starting_worker():
            multiprocessing.forkserver.ensure_running()

    thread = threading.Thread(target=start, name="docmind-worker-server-warm-up", daemon=True)
    thread.start()
    return thread


def worker_server_running() -> bool:
    """Whether this process has started a worker server (it may have died since)."""
    return getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None) is not None


def stop_worker_server() -> None:
    """Kill this process's worker server and reap it (nothing if none was started).

    Its workers die with it (``worker_lifecycle``); a later worker start would start a new server.
    """
    server: Any = multiprocessing.forkserver._forkserver
    pid = server._forkserver_pid
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    server._stop()  # closes the liveness pipe, reaps the process, removes its socket
