"""The worker server: the process's one fork server (``forkserver.ForkServer``) and what it preloads.

Contract:
- **One per process**, made on first use. The first caller decides the preload: ``FORKSERVER_PRELOAD``
  (what parsing and splitting need: well under a second of imports), and by default ``INDEX_PRELOAD``
  before it (the index build's libraries: seconds). A process that runs many jobs (the app, a test's
  service, the local side of a Ray job) pays those imports once; ``docmind ingest`` on local workers
  asks for the light preload as it starts (``docmind.cli.early_start``), so its first file waits only
  for that, and the worker that builds its index imports the rest while the last files are parsed
  (``WorkerPool.prepare``). ADR-055 has the figures.
- **Started in the background** by ``warm_worker_server``: the server starts with the stop signals
  blocked and ignores them (``stop_signals``), imports its preload at the job's CPU priority, then lowers
  it and freezes its heap for the workers it forks (``server_main``).
- **A one-shot command ends it** (``stop_worker_server``) when it is done: the preload may still be
  running (the command found nothing to parse), and the server holds the command's standard output
  open until it exits, so a pipe reading the command would wait for it. A later worker start starts a
  new server with the same preload.
- This module imports only the standard library and the fork server's job side, so a command can start
  the server before its own imports.
"""

from __future__ import annotations

import contextlib
import threading

from docmind.executors.local.forkserver import ForkServer, WorkerStartError

FORK_SAFE = "docmind.executors.local.fork_safe"
"""Imported first: nothing a worker inherits can be left locked by another process or thread."""
FORKSERVER_PRELOAD: tuple[str, ...] = ("docmind.ingest.parse.preload",)
"""The stage modules the server imports before it forks workers (read when the server is first made)."""
INDEX_PRELOAD: tuple[str, ...] = ("docmind.ingest.index.preload",)
"""Imported before ``FORKSERVER_PRELOAD`` unless the worker server is asked for the light preload."""

_lock = threading.Lock()
_server: ForkServer | None = None
_index_libraries = True


def fork_server(with_index_libraries: bool = True) -> ForkServer:
    """The process's fork server; the first call decides the preload (see the module contract).

    Making it starts nothing: the server starts with the first worker (or ``warm_worker_server``).
    """
    global _server, _index_libraries
    with _lock:
        if _server is None:
            _index_libraries = with_index_libraries
            _server = ForkServer(preload_modules(with_index_libraries))
        return _server


def preload_modules(with_index_libraries: bool) -> list[str]:
    """The modules the worker server imports, in order, before it forks its first worker."""
    extra = INDEX_PRELOAD if with_index_libraries else ()
    return [FORK_SAFE, *extra, *FORKSERVER_PRELOAD]


def preloads_index_libraries() -> bool:
    """Whether workers come with the index build's libraries loaded (else the build imports them)."""
    with _lock:
        return _index_libraries


def warm_worker_server(with_index_libraries: bool = True) -> threading.Thread:
    """Start the worker server (and so its preload) in the background; return the thread that starts it.

    The first worker of a program otherwise waits for the preload. ``with_index_libraries`` counts
    only if no worker server was asked for before in this process. The thread ends as soon as the
    server process exists (milliseconds); a server that could not start is reported by the first
    worker start, which tries again.
    """

    def start() -> None:
        with contextlib.suppress(WorkerStartError):  # the first worker start tries again and says why
            fork_server(with_index_libraries).start()

    thread = threading.Thread(target=start, name="docmind-worker-server-warm-up", daemon=True)
    thread.start()
    return thread


def worker_server_running() -> bool:
    """Whether this process's worker server runs now (it may still be importing its preload)."""
    with _lock:
        server = _server
    return server is not None and server.running


def stop_worker_server() -> None:
    """Kill this process's worker server and reap it (nothing if none runs).

    Its workers die with it; a later worker start starts a new server with the same preload.
    """
    with _lock:
        server = _server
    if server is not None:
        server.stop()
