"""Opening the service for a CLI command, with human errors instead of tracebacks."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from pydantic import ValidationError

from docmind.datadir import DataDirError
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
    """Open the data dir (running recovery).

    Raises:
        CommandError: the data dir cannot be used.
    """
    try:
        return DocMind(settings_for(args))
    except DataDirError as exc:
        raise CommandError(str(exc)) from exc


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """Print ``docmind: message`` to stderr and return ``code``."""
    print(f"docmind: {message}", file=sys.stderr)
    return code
