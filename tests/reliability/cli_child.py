"""The real ``docmind`` CLI (``docmind.cli.main.main``) with optional test instrumentation.

Usage: ``python cli_child.py COMMAND [ARGS...]`` — exactly the arguments of ``docmind``.

Environment:
    RELIABILITY_PAUSE_AT  Comma-separated `docmind_snapshots.fsops.checkpoint` names. Once they have been
        passed in that order, the child prints ``PAUSED <last name>`` on stderr and blocks the calling thread
        until a line (or EOF) arrives on stdin. The parent then kills it (a crash at exactly that step) or
        releases it (a writer held at a known point).
    RELIABILITY_MAXRSS_FILE  After the command, write this process's peak RSS (KiB) to that file. It is
        the kernel's high-water mark of this process's own memory (``VmHWM``): ``ru_maxrss`` would carry
        over the peak of the process that started it (Linux keeps it across ``exec``).
    RELIABILITY_WORKER_PRELOAD  Comma-separated modules the worker forkserver imports after its own
        preload (instrumentation that runs inside the workers, such as ``tests.support.index_write_pause``;
        the repository root must then be on ``PYTHONPATH``).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path


def _install_pause(names: list[str]) -> None:
    from docmind_snapshots import fsops

    original = fsops.checkpoint
    seen = 0
    guard = threading.Lock()

    def checkpoint(name: str) -> None:
        nonlocal seen
        original(name)
        with guard:
            if seen >= len(names) or name != names[seen]:
                return
            seen += 1
            if seen < len(names):
                return
        print(f"PAUSED {name}", file=sys.stderr, flush=True)
        sys.stdin.readline()

    fsops.checkpoint = checkpoint


def main() -> int:
    pause = os.environ.get("RELIABILITY_PAUSE_AT", "")
    if pause:
        _install_pause([name for name in pause.split(",") if name])
    worker_preload = os.environ.get("RELIABILITY_WORKER_PRELOAD", "")
    if worker_preload:
        from docmind.executors.local import worker_server

        extra = tuple(name for name in worker_preload.split(",") if name)
        worker_server.FORKSERVER_PRELOAD = (*worker_server.FORKSERVER_PRELOAD, *extra)
    from docmind.cli.main import main as docmind_main

    code = docmind_main(sys.argv[1:])
    rss_file = os.environ.get("RELIABILITY_MAXRSS_FILE")
    if rss_file:
        Path(rss_file).write_text(str(_peak_rss_kib()))
    return code


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    sys.exit(main())
