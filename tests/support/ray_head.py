"""A Ray cluster of one head node on loopback, started by a test as a person starts one: ``ray start``.

``ray start --head --block`` runs in its own process group, so stopping it ends exactly what this
started (never ``ray stop``, which ends every Ray of the machine). It asks for no token (the head
and its drivers are this user's processes) and advertises 127.0.0.1 (Ray's one-machine switch,
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, set for every test by the root ``conftest.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.support.sockets import unused_port

READY_TIMEOUT_S = 180.0
START_TRIES = 3


@dataclass(frozen=True)
class RayHead:
    """A running head node: its address and its process (the leader of the node's process group)."""

    address: str
    pid: int

    def raylet(self) -> int:
        """The pid of the head node's raylet (the parent of its workers)."""
        for child in psutil.Process(self.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.name() == "raylet":
                    return child.pid
        raise AssertionError("the head node has no raylet")


HEAD_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"}
"""What the head's environment and the environment of the drivers that join it add."""


def _joinable(address: str) -> bool:
    probe = "import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR'); ray.shutdown()"
    env = {**os.environ, **HEAD_ENV}
    done = subprocess.run([sys.executable, "-c", probe, address], capture_output=True, env=env, check=False)
    return done.returncode == 0


@contextlib.contextmanager
def ray_head(cpus: int, log: Path) -> Iterator[RayHead]:
    """Start a head node with ``cpus`` CPUs on a free loopback port; yield it once a driver can join.

    A start that Ray itself gives up is tried again, up to `START_TRIES` times: on a loaded machine
    Ray 2.60's raylet aborts when its dashboard agent takes more than 15 s to start.
    """
    for attempt in range(1, START_TRIES + 1):
        head, address = _start(cpus, log.with_suffix(f".{attempt}{log.suffix}"))
        try:
            if _ready(head, address, log.with_suffix(f".{attempt}{log.suffix}"), last=attempt == START_TRIES):
                yield RayHead(address, head.pid)
                return
        finally:
            stop_head(head)


def _start(cpus: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = unused_port()
    argv = [
        str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", f"--port={port}",
        f"--num-cpus={cpus}", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
        "--disable-usage-stats",
    ]  # fmt: skip
    with log.open("wb") as out:
        head = subprocess.Popen(
            argv, env={**os.environ, **HEAD_ENV}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return head, f"127.0.0.1:{port}"


def _ready(head: subprocess.Popen[bytes], address: str, log: Path, *, last: bool) -> bool:
    """Whether a driver can join; False when the head exited (Ray gave up) and another try remains."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not _joinable(address):
        exited = head.poll() is not None
        if exited and not last:
            return False
        assert not exited and time.monotonic() < deadline, (
            f"the Ray head {'exited' if exited else 'did not start'}:\n{log.read_text(errors='replace')}"
        )
    return True


def stop_head(head: subprocess.Popen[bytes]) -> None:
    """End a Ray head started in its own session: SIGTERM to its group, SIGKILL after 30 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(head.pid, signal.SIGKILL)
        head.wait()
