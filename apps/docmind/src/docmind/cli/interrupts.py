"""SIGINT and SIGTERM for one CLI command: caught from its first moment, acted on when it is safe.

A terminal's Ctrl-C or a service manager's stop signal can come at any moment, even while the
command still imports its libraries. `Interrupts.install` is the first thing ``main`` does (it
imports nothing heavy before), so no signal ever ends the command with a traceback or an abrupt
death. Until the command chooses, a signal is only remembered; then:

- ``ingest`` routes signals to its job's cancel (`cancel_with`). A signal remembered earlier cancels
  the job as soon as it exists, so every ingestion is recorded, Cancelled, whenever the signal came.
- every other command stops at once (`stop_on_signal`): `CommandInterrupted` unwinds it and ``main``
  prints one line and exits 130.

Once the command is over, signals are only remembered again (`settle`) until the process is gone
(``docmind.cli.process_exit``): ``uv run`` forwards a terminal's Ctrl-C to the command a second time,
a moment after the first, and that one must not interrupt the process's own ending.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class CommandInterrupted(Exception):
    """SIGINT or SIGTERM asked a command to stop."""


class Interrupts:
    """The command's SIGINT/SIGTERM handler; `restore` puts the previous handlers back."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._action: Callable[[], None] | None = None
        self._previous: dict[int, Any] = {}

    @classmethod
    def install(cls) -> Interrupts:
        """Catch SIGINT and SIGTERM from now on (only the main thread can; elsewhere this is inert)."""
        interrupts = cls()
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                interrupts._previous[signum] = signal.signal(signum, interrupts._handle)
        return interrupts

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if self._action is not None:
            self._action()

    def cancel_with(self, cancel: Callable[[], None]) -> None:
        """Call ``cancel`` on every signal from now on, and at once if one came already.

        ``cancel`` runs on a short thread of its own: the interrupted main thread may hold a lock
        that ``cancel`` needs (the job manager's, say).
        """

        def on_a_thread() -> None:
            threading.Thread(target=cancel, name="docmind-signal-cancel", daemon=True).start()

        self._act(on_a_thread)

    def stop_on_signal(self) -> None:
        """Raise `CommandInterrupted` on a signal from now on, and at once if one came already."""
        self._act(_stop)

    def _act(self, action: Callable[[], None]) -> None:
        self._action = action
        if self.received is not None:
            action()

    def settle(self) -> None:
        """Only remember signals from now on (`received`): the command is over, there is nothing to stop."""
        self._action = None

    def restore(self) -> None:
        """Put back the handlers found at `install`."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}


def _stop() -> None:
    raise CommandInterrupted
