"""A worker server preload for the tests: the CPU priority at which the server imports a module.

Placed before the stages' preloads, it installs an audit hook in the server that records the priority of
the process at the first import of each module; workers forked after the preload inherit the record, and
:func:`report` returns it beside the worker's own priority.
"""

from __future__ import annotations

import os
import sys

_AT_IMPORT: dict[str, int] = {}


def _record(event: str, args: tuple[object, ...]) -> None:
    if event == "import" and isinstance(args[0], str) and args[0] not in _AT_IMPORT:
        _AT_IMPORT[args[0]] = os.getpriority(os.PRIO_PROCESS, 0)


sys.addaudithook(_record)


def report(module: str) -> tuple[int | None, int]:
    """The priority at which the server first imported ``module`` (None: not yet) and the worker's own."""
    return _AT_IMPORT.get(module), os.getpriority(os.PRIO_PROCESS, 0)
