"""The messages between the job's process, the fork server and a worker.

Control socket (``SOCK_SEQPACKET``: one message per request, no framing of our own), parent → server:
a spawn request, the JSON of :class:`SpawnRequest`, carrying two file descriptors: the worker's end of its
task channel and the write end of its status pipe. Server → parent: the new worker's pid as a signed int
(``-errno`` when ``fork`` failed), carrying the worker's pidfd. A hang-up of the control socket stops the
server.

Status pipe, server → parent: the worker's exit code as a signed int (``-N`` when signal N killed it), written
once the server has reaped it; end of file without it means the server itself is gone.

Task channel (a ``multiprocessing.connection.Connection`` over a stream socket pair): parent → worker
:class:`Task` messages, run one at a time in the order sent (the parent may send the next ones before the
first answers: they wait in the worker), and optionally :class:`Stop` (it covers every task sent before it);
worker → parent, task after task in that order, any number of :class:`Note` (the task's progress, in the
order it sent them), then exactly one :class:`Done` or :class:`Raised`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

INT: Final = struct.Struct("i")
"""A signed int as it travels on the control socket and the status pipe."""


@dataclass(frozen=True)
class SpawnRequest:
    """What a new worker needs from the job's process besides its task channel.

    Attributes:
        cwd: The job process's working directory at the spawn (the worker changes to it).
        sys_path: The job process's ``sys.path`` (so the worker imports task functions as the parent does).
    """

    cwd: str
    sys_path: list[str]

    def encode(self) -> bytes:
        """The request as sent on the control socket."""
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, data: bytes) -> SpawnRequest:
        """Read a request sent by :meth:`encode`."""
        return cls(**json.loads(data))


@dataclass(frozen=True)
class Task:
    """Run ``fn(argument)`` in the worker. ``fn`` travels by reference: it must be importable by name."""

    fn: Callable[[Any], Any]
    argument: Any


@dataclass(frozen=True)
class Stop:
    """Ask the worker's running task to stop at its next check (``worker_main.stop_requested``)."""


@dataclass(frozen=True)
class Note:
    """Something the running task tells its parent before its reply (``task_context.report_progress``)."""

    value: Any


@dataclass(frozen=True)
class Done:
    """The task returned ``value``."""

    value: Any


@dataclass(frozen=True)
class Raised:
    """The task (or loading it) raised; ``message`` is ``Type: text``, never a traceback."""

    message: str
