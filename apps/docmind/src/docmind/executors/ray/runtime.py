"""This process's one connection to Ray, made on first use and kept for the process's lifetime.

A long-lived process (the app) pays Ray's start once, not per job: every job asking for the same
address reuses the connection; a job asking for another address replaces it. The address is an
empty string (start a new Ray runtime on this machine, with ``workers`` CPUs),
``auto`` (the cluster this machine belongs to) or ``HOST:PORT`` / ``ray://HOST:PORT``.

The thread that connects stays alive until the connection is replaced: the processes of a Ray
runtime started here die with the thread that started them (Linux's parent-death signal follows
the thread), so that thread must outlive every job.

Ray's switches (no ``uv run`` packing, no signal stack dump) are set by the package
(``docmind.executors.ray``), before any of its modules imports Ray.

An address that no Ray answers fails at once with one line (:class:`RayUnavailableError`): a
TCP probe runs first, because Ray itself retries an unreachable address for minutes. The caller
can give up on a connection in progress (its cancel event); the connection then finishes in the
background and the next job reuses it.

A process that ends (a ``docmind`` command) ends its connection first, with `end_in_background` and
a bound on the wait (``docmind.cli.process_exit``): Python's own exit, which would run Ray's
``atexit`` ``ray.shutdown``, is not reliable beside Ray's threads (ADR-057, decision 11).
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from dataclasses import dataclass, field

from docmind.executors.errors import RAY_MISSING, IngestCancelled, RayUnavailableError

PROBE_TIMEOUT_S = 3.0
_POLL_SECONDS = 0.05
_ADDRESS_SETTING = "--ray-address / DOCMIND_RAY_ADDRESS"


@dataclass
class _Connection:
    address: str
    done: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    error: str = ""


_lock = threading.Lock()
_current: _Connection | None = None


def connect(address: str, workers: int, cancel: threading.Event | None = None) -> None:
    """Make sure this process is connected to the Ray cluster at ``address``.

    Raises:
        RayUnavailableError: Ray is missing, or the address does not answer.
        IngestCancelled: ``cancel`` was set while connecting (the connection goes on in the background).
    """
    connection = start_connecting(address, workers)
    while not connection.done.wait(_POLL_SECONDS):
        if cancel is not None and cancel.is_set():
            raise IngestCancelled
    if connection.error:
        raise RayUnavailableError(connection.error)


def start_connecting(address: str, workers: int) -> _Connection:
    """Start connecting in the background (or reuse the connection to ``address``); return it at once."""
    global _current
    with _lock:
        if _current is not None and _current.address == address and not _current.error:
            return _current
        previous, _current = _current, _Connection(address)
        connection = _current
    thread = threading.Thread(
        target=_connect, args=(connection, previous, workers), name="docmind-ray-connect", daemon=True
    )
    thread.start()
    return connection


def disconnect() -> None:
    """End this process's Ray connection (and the runtime it started, if any); the next job connects anew."""
    connection = _take()
    if connection is not None:
        connection.done.wait()
        _shut_down(connection)


def end_in_background() -> threading.Event | None:
    """As this process ends: start ending its Ray connection; return an event set once it has ended.

    With no connection the event is already set. ``None``: a connection is still being made, and
    ``ray.init`` cannot be interrupted (it may take many seconds more). The process must then end
    without Python's finalization (``os._exit``), which would otherwise run beside ``ray.init``'s
    threads (measured: an abort and a C++ stack dump). A local runtime's processes die with the
    process whichever way it ends (their parent-death signal).
    """
    ended = threading.Event()
    connection = _take()
    if connection is None:
        ended.set()
        return ended
    if not connection.done.is_set():
        return None

    def shut_down() -> None:
        _shut_down(connection)
        ended.set()

    threading.Thread(target=shut_down, name="docmind-ray-shutdown", daemon=True).start()
    return ended


def _take() -> _Connection | None:
    global _current
    with _lock:
        connection, _current = _current, None
    return connection


def _shut_down(connection: _Connection) -> None:
    """``ray.shutdown`` (a local runtime stops, a cluster is left); the connecting thread may end."""
    ray = sys.modules.get("ray")  # not there: Ray is not installed, so nothing of it runs
    if ray is not None:
        ray.shutdown()
    connection.released.set()


def _connect(connection: _Connection, previous: _Connection | None, workers: int) -> None:
    global _current
    try:
        import ray
    except ImportError:
        connection.error = RAY_MISSING
        connection.done.set()
        return
    try:
        _probe(connection.address)
    except RayUnavailableError as exc:
        connection.error = str(exc)
        with _lock:  # a wrong address leaves a working connection in place
            if _current is connection and previous is not None and not previous.error:
                _current = previous
        connection.done.set()
        return
    try:
        if previous is not None:
            previous.done.wait()
        if ray.is_initialized():
            ray.shutdown()
        if previous is not None:
            previous.released.set()
        _init(connection.address, workers)
    except Exception as exc:  # Ray's own errors come in many types; the job reports one line
        connection.error = (
            f"cannot connect to Ray at {connection.address or 'a local runtime'}: {_reason(exc)}"
        )
    finally:
        connection.done.set()
    connection.released.wait()  # the runtime's processes live as long as this thread


def _reason(exc: BaseException) -> str:
    """One line for a failed ``ray.init``; a missing cluster token is named as such."""
    causes = [exc]
    while causes[-1].__cause__ is not None and len(causes) < 5:
        causes.append(causes[-1].__cause__)
    if any(type(cause).__name__ == "AuthenticationError" for cause in causes):
        return "the cluster wants its authentication token (RAY_AUTH_TOKEN, or ~/.ray/auth_token)"
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _init(address: str, workers: int) -> None:
    import ray

    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address:
        ray.init(address=address, **quiet)
    else:
        # "local": always a new runtime (never one another program left running on this machine).
        ray.init(address="local", num_cpus=workers, include_dashboard=False, **quiet)


def _probe(address: str) -> None:
    """Refuse at once an address where nothing listens (``auto`` and the local runtime are not probed)."""
    if address in ("", "auto"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise RayUnavailableError(
            f"invalid Ray address {address!r}: use HOST:PORT or auto ({_ADDRESS_SETTING})"
        )
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RayUnavailableError(
            f"cannot reach the Ray cluster at {address}: {reason} ({_ADDRESS_SETTING})"
        ) from exc
