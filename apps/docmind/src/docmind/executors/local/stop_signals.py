"""How the fork server and its workers treat SIGINT and SIGTERM: the job's process decides, not them.

A terminal's Ctrl-C, ``docker stop``, systemd and Kubernetes signal the whole process group. The server and
its workers ignore both signals; the job's process cancels the job and kills its workers. The server is
started from a thread that blocks both (:func:`stop_signals_blocked`): the blocked mask survives ``fork``
and ``exec``, so a signal sent to the group while the new interpreter starts stays pending, and
:func:`ignore_stop_signals`, the server's first act, discards it. Workers inherit the ignored dispositions.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def ignore_stop_signals() -> None:
    """Ignore SIGINT and SIGTERM in this process, dropping any that are pending, then unblock them."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextlib.contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in the calling thread (only) while the block runs; restore the mask after."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
