"""Start the worker server as the command starts, when the command will parse files on this machine.

``docmind ingest`` spends most of a second importing its own modules before it scans; the worker
server's preload (parsing and splitting, ``docmind.executors.local.worker_server``) takes about as
long. Started here, on the other core, it is ready when the first file is handed to a worker
(ADR-055). It is only a head start: a guess that misses (an ingest that finds nothing to parse, or
runs on Ray) costs the preload's CPU in the background, never a different result. Ray runs
(``--executor ray``, ``--ray-address``, ``DOCMIND_EXECUTOR=ray``) start their own local server, with
the index libraries; that one too ends with the command.

This module imports only the standard library: ``docmind.cli.main`` enters it before anything heavy.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence

_NO_PARSING_FLAGS = ("-h", "--help", "--ray-address")


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of ``docmind ARGV`` (the first argument that is not an option or its value)."""
    words = iter(argv)
    for word in words:
        if word == "--data-dir":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def parses_locally(argv: Sequence[str]) -> bool:
    """Whether ``docmind ARGV`` is an ingest that parses in local worker processes."""
    if command_of(argv) != "ingest" or any(word.split("=", 1)[0] in _NO_PARSING_FLAGS for word in argv):
        return False
    return _executor(argv) == "local"


def _executor(argv: Sequence[str]) -> str:
    """The executor ``--executor`` names (its last use), else ``DOCMIND_EXECUTOR``, else local."""
    chosen = os.environ.get("DOCMIND_EXECUTOR", "local")
    words = list(argv)
    for number, word in enumerate(words):
        if word == "--executor" and number + 1 < len(words):
            chosen = words[number + 1]
        elif word.startswith("--executor="):
            chosen = word.split("=", 1)[1]
    return chosen


@contextlib.contextmanager
def worker_server_started_early(argv: Sequence[str]) -> Iterator[None]:
    """Around an ingest: start the worker server early if ``docmind ARGV`` parses locally; end it after.

    The server is started in the background, and whichever server the command started (here, or
    for the index build of a Ray job) ends with the command. Ending it matters when the command found
    nothing to parse or was cancelled: the preload may still be running, and the server holds the
    command's standard output open until it exits. A server this process already ran (a test calling
    the command in its own process) is left alone.
    """
    if command_of(argv) != "ingest":
        yield
        return
    from docmind.executors.local.worker_server import (
        stop_worker_server,
        warm_worker_server,
        worker_server_running,
    )

    if worker_server_running():
        yield
        return
    starting = warm_worker_server(with_index_libraries=False) if parses_locally(argv) else None
    try:
        yield
    finally:
        if starting is not None:
            starting.join()  # the start itself takes milliseconds: the preload runs in the server
        stop_worker_server()
