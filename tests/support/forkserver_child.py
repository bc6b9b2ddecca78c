"""A job's process for the fork server tests: ``python -m tests.support.forkserver_child MODE``.

Run from the repository root. Modes:
    orphan   start a server, spawn two workers (one busy for ever), print ``{"server": PID, "workers": [PID,
             PID]}``, then wait until stdin closes (the test SIGKILLs this process first).
    held     start a server whose preload holds at the gate ``DOCMIND_TEST_GATE`` (``forkserver_gate``),
             print ``{"server": PID}``, then wait as above.
    signals  catch SIGINT and SIGTERM as the CLI does (print ``SIGNAL N`` and go on), start a server, print
             ``server PID``, then obey stdin, one command a line:
                 spawn GATE   spawn a worker, hand it ``hold_at_gate(GATE)``, print ``worker PID``
                 result       print ``result VALUE`` once the worker's task returns
                 quit         close the worker, stop the server, exit 0
"""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType

from docmind.executors.local.forkserver import ForkServer
from docmind.executors.local.worker_process import WorkerProcess

from tests.support import forkserver_tasks

TASKS = ("tests.support.forkserver_tasks",)


def say(line: str) -> None:
    print(line, flush=True)


def orphan() -> None:
    server = ForkServer(TASKS)
    busy, idle = server.spawn(), server.spawn()
    busy.send(forkserver_tasks.write_pid_then_block, "/dev/null")
    say(json.dumps({"server": server.pid, "workers": [busy.pid, idle.pid]}))
    sys.stdin.read()


def held() -> None:
    server = ForkServer((*TASKS, "tests.support.forkserver_gate"))
    server.start()
    say(json.dumps({"server": server.pid}))
    sys.stdin.read()


def signals() -> None:
    def caught(signum: int, frame: FrameType | None) -> None:
        say(f"SIGNAL {signum}")

    signal.signal(signal.SIGINT, caught)
    signal.signal(signal.SIGTERM, caught)
    server = ForkServer(TASKS)
    server.start()
    say(f"server {server.pid}")
    worker: WorkerProcess | None = None
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "spawn":
            worker = server.spawn()
            worker.send(forkserver_tasks.hold_at_gate, argument)
            say(f"worker {worker.pid}")
        elif command == "result" and worker is not None:
            say(f"result {worker.receive()}")
        elif command == "quit":
            break
    if worker is not None:
        worker.close()
    server.stop()


if __name__ == "__main__":
    {"orphan": orphan, "held": held, "signals": signals}[sys.argv[1]]()
