"""Worker pools in a fresh process whose forkserver start-up is held (``tests/support/held_preload.py``).

Run as ``python -m tests.support.pool_child`` from the repository root, with ``DOCMIND_TEST_GATE``
naming the FIFO gate. Commands on stdin, one per line:

    start NAME    a job thread opens a one-worker pool and runs one task in it
    cancel NAME   set that job's cancel event
    quit          wait for every job thread, then exit

Each job prints ``NAME RAN`` or ``NAME CANCELLED`` on stdout when its call returns.
"""

from __future__ import annotations

import sys
import threading

from docmind.executors.errors import IngestCancelled
from docmind.executors.local import worker_server
from docmind.executors.local.pool import WorkerPool

from tests.support import worker_tasks


def _job(name: str, cancel: threading.Event) -> None:
    try:
        with WorkerPool(1, cancel) as pool:
            pool.call(worker_tasks.echo, 1)
    except IngestCancelled:
        print(f"{name} CANCELLED", flush=True)
    else:
        print(f"{name} RAN", flush=True)


def main() -> None:
    worker_server.FORKSERVER_PRELOAD = (*worker_server.FORKSERVER_PRELOAD, "tests.support.held_preload")
    cancels: dict[str, threading.Event] = {}
    threads: list[threading.Thread] = []
    for line in sys.stdin:
        command, _, name = line.strip().partition(" ")
        if command == "start":
            cancels[name] = threading.Event()
            threads.append(threading.Thread(target=_job, args=(name, cancels[name])))
            threads[-1].start()
        elif command == "cancel":
            cancels[name].set()
        elif command == "quit":
            break
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
