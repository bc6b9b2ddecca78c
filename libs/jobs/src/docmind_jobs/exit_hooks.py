"""Run a manager's shutdown when the interpreter exits or a termination signal arrives.

Why ``atexit`` is enough: at interpreter exit CPython first joins every non-daemon thread and every
``concurrent.futures.ThreadPoolExecutor`` worker, and only then runs the ``atexit`` hooks. A hook that cancels
jobs would wait behind a running job forever if a job's thread were among those joined. None is: the manager's
default executor (``DaemonThreadPoolExecutor``) runs jobs on daemon threads unknown to ``concurrent.futures``,
so the join before ``atexit`` never waits for a job, and the hook then cancels the jobs and waits for them
with a bound (``JobManager.shutdown``). What this needs of the rest of the process: no non-daemon thread (and
no ``ThreadPoolExecutor`` worker) that waits for a job to end; an executor given to the manager keeps its
threads daemon too (``ExecutorFactory``).

Signals (optional, main thread only): the handler starts a short thread that cancels every job — it does not
take the manager's lock itself, since the main thread may hold it when the signal arrives — then chains to
the previous handler. A previous ``SIG_DFL`` becomes ``SystemExit(128 + signum)`` so the process leaves
through the normal exit path above (and jobs get their bounded shutdown) instead of dying on the spot;
``SIG_IGN`` stays ignored; ``SIGINT``'s default handler raises ``KeyboardInterrupt`` as usual.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

logger = logging.getLogger("docmind_jobs")

DEFAULT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


def install_exit_hook(callback: Callable[[], None]) -> None:
    """Call ``callback`` at interpreter exit through ``atexit`` (the module docstring says why in time)."""
    atexit.register(callback)


def install_signal_handlers(on_signal: Callable[[], None], signals: Iterable[int] = DEFAULT_SIGNALS) -> bool:
    """Call ``on_signal`` (on a fresh thread) when one of ``signals`` arrives, then chain to the old handler.

    Args:
        on_signal: Non-blocking-safe work to start, typically ``manager.cancel_all``.
        signals: The signal numbers to handle.

    Returns:
        True when installed; False when not called from the main thread (Python only allows handlers there).
    """
    if threading.current_thread() is not threading.main_thread():
        logger.debug("not installing signal handlers: not on the main thread")
        return False
    for signum in signals:
        previous = signal.getsignal(signum)
        signal.signal(signum, _make_handler(on_signal, previous))
    return True


_Callback = Callable[[int, FrameType | None], None]
_Handler = Callable[[int, FrameType | None], object] | int | None


def _make_handler(
    on_signal: Callable[[], None], previous: _Handler
) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=on_signal, name="docmind-jobs-signal", daemon=True).start()
        _chain(previous, signum, frame)

    return handler


def _chain(previous: _Handler, signum: int, frame: FrameType | None) -> None:
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    raise SystemExit(128 + signum)  # SIG_DFL (or a C handler): exit through the normal interpreter path
