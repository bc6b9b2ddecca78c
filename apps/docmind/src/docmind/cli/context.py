"""What every command shares: exit codes, one-line errors, and opening the data dir.

Importing this module is cheap (the standard library only): the settings, the snapshot store and
the service are imported when a command asks for them, so each command loads only what it uses. A
command that works on snapshots alone opens the store alone (``open_snapshots``); one that shows or
starts jobs, or changes the sources, opens the whole service (``open_service``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docmind_snapshots import SnapshotStore

    from docmind.service import DocMind
    from docmind.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_CANCELLED = 130


class OneLineFormatter(logging.Formatter):
    """Log lines for a terminal: no traceback (the command reports the failure itself, in one line)."""

    def formatException(self, ei: object) -> str:
        """Return nothing: the traceback stays out of the terminal."""
        return ""


class CommandError(Exception):
    """A refusal to report on stderr with exit code 1."""


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings from the environment; ``--data-dir``, ``--executor`` and ``--ray-address`` take precedence."""
    from pydantic import ValidationError

    from docmind.settings import Settings

    given: dict[str, Any] = {}
    if getattr(args, "data_dir", None) is not None:
        given["data_dir"] = args.data_dir
    if hasattr(args, "ray_address"):
        given |= {"ray_address": args.ray_address, "executor": "ray"}
    if hasattr(args, "executor"):
        given["executor"] = args.executor
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CommandError(f"invalid setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc


def open_service(args: argparse.Namespace) -> DocMind:
    """Open the data dir: its snapshot store, job history and sources, each running its recovery.

    Raises:
        CommandError: the data dir cannot be used.
    """
    from docmind.datadir import DataDirError
    from docmind.service import DocMind

    settings = settings_for(args)
    try:
        return DocMind(settings)
    except DataDirError as exc:
        raise CommandError(str(exc)) from exc


def open_snapshots(args: argparse.Namespace) -> tuple[Settings, SnapshotStore]:
    """The settings and the data dir's snapshot store alone, recovered (``docmind.snapshot_store``).

    Raises:
        CommandError: the data dir cannot be used.
    """
    from docmind.datadir import DataDirError
    from docmind.snapshot_store import open_snapshot_store

    settings = settings_for(args)
    try:
        return settings, open_snapshot_store(settings)[1]
    except DataDirError as exc:
        raise CommandError(str(exc)) from exc


def emit_json(payload: Any) -> None:
    """Print ``payload`` as one line of JSON on stdout (what JSON cannot hold, as its ``str``)."""
    print(json.dumps(payload, default=str), flush=True)


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """Print ``docmind: message`` to stderr and return ``code``."""
    print(f"docmind: {message}", file=sys.stderr)
    return code
