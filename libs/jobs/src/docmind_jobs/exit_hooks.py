"""Run a manager's shutdown when the interpreter exits or a termination signal arrives.

Why not ``atexit``: at interpreter exit CPython first runs ``threading._shutdown``, which calls the hooks
registered with ``threading._register_atexit`` (in reverse order of registration) and then joins every
non-daemon thread; ``atexit`` handlers run only after that. ``concurrent.futures.thread`` registers its own
hook (``_python_exit``, which joins every ``ThreadPoolExecutor`` worker) when it is first imported — always
before a manager exists, since ``docmind_jobs`` imports it. A hook registered later runs *earlier*, so
:func:`install_thread_exit_hook` gets to cancel jobs before any worker is joined; an ``atexit`` hook would
wait behind a running job forever.

Signals (optional, main thread only): the handler starts a short thread that cancels every job — it does not
take the manager's lock itself, since the main thread may hold it when the signal arrives — then chains to
the previous handler. A previous ``SIG_DFL`` becomes ``SystemExit(128 + signum)`` so the process leaves
through the normal exit path above (and jobs get their bounded shutdown) instead of dying on the spot;
``SIG_IGN`` stays ignored; ``SIGINT``'s default handler raises ``KeyboardInterrupt`` as usual.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

logger = logging.getLogger("docmind_jobs")

DEFAULT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


def install_thread_exit_hook(callback: Callable[[], None]) -> None:
    """Call ``callback`` at interpreter exit, before non-daemon and executor threads are joined.

    Uses CPython's ``threading._register_atexit`` (see the module docstring for the ordering argument).
    """
    threading._register_atexit(callback)  # pyright: ignore[reportAttributeAccessIssue]


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
