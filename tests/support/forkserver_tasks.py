"""Functions that fork server workers run for the tests (light: importable by name without the engine)."""

from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path

from docmind.executors.local.worker_main import stop_requested

from tests.support.fifo_gate import hold


def echo(value: object) -> object:
    """Return ``value``."""
    return value


def own_pid(_: object) -> int:
    """The worker's process id."""
    return os.getpid()


def crash(code: int) -> None:
    """End the worker abruptly, as a native parser crash would."""
    os._exit(code)


def fail(message: str) -> None:
    """Raise in the worker."""
    raise OSError(28, message)


def preload_origin(_: object) -> tuple[bool, int | None, int | None]:
    """Whether the test preload is in ``sys.modules`` before the task imports anything, and its records."""
    module = sys.modules.get("tests.support.forkserver_preload")
    if module is None:
        return False, None, None
    return True, module.IMPORTED_IN, module.PRIORITY_AT_IMPORT


def state(_: object) -> dict[str, object]:
    """What the worker looks like from inside: priority, GC freeze, main module, threads."""
    main = sys.modules.get("__main__")
    return {
        "priority": os.getpriority(os.PRIO_PROCESS, 0),
        "frozen": gc.get_freeze_count(),
        "main_file": getattr(main, "__file__", None),
        "threads": threading.active_count(),
        "ppid": os.getppid(),
    }


def open_fds(_: object) -> list[str]:
    """What each of the worker's open file descriptors points to (``/proc/self/fd``)."""
    fds = Path("/proc/self/fd")
    found = []
    for entry in fds.iterdir():
        try:
            found.append(f"{entry.name} {entry.readlink()}")
        except OSError:
            continue  # the directory's own descriptor, closed by now
    return found


def loop_until_stopped(_: object) -> int:
    """Check ``stop_requested`` as a parser does between pages; return how many checks it took."""
    checks = 1
    pause = threading.Event()  # never set
    while not stop_requested():
        checks += 1
        pause.wait(0.001)
    return checks


def stopped_before_start(_: object) -> bool:
    """Whether a stop is pending as the task starts (a stop sent to an earlier task must not leak)."""
    return stop_requested()


def write_pid_then_block(path: str) -> None:
    """Write this worker's pid to ``path``, then never return."""
    Path(path).write_text(str(os.getpid()))
    threading.Event().wait()


def hold_at_gate(gate: str) -> str:
    """Say ``<gate>.held`` (the worker is busy now), wait at the FIFO gate, then return "released"."""
    Path(gate + ".held").touch()
    hold(Path(gate))
    return "released"
