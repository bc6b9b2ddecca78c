"""A Ray head node for the benchmarks: started in its own process group, stopped by that group.

``ray start --head --block`` keeps every process of the node in the group it is started in, so
stopping it kills exactly what this started (never ``ray stop``, which ends every Ray on the machine).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.measure import bench_env
from tests.support.ray_head import stop_head

READY_TIMEOUT_S = 120


@dataclass(frozen=True)
class RayHead:
    """A running head node: its address and how long it took to answer."""

    address: str
    start_s: float


def _ready(address: str) -> bool:
    probe = "import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR'); ray.shutdown()"
    done = subprocess.run(
        [sys.executable, "-c", probe, address], capture_output=True, env=bench_env(), check=False
    )
    return done.returncode == 0


@contextlib.contextmanager
def ray_head(port: int, cpus: int, log: Path) -> Iterator[RayHead]:
    """Start a head node on loopback ``port`` with ``cpus`` CPUs; yield it once a driver can connect."""
    ray = Path(sys.executable).with_name("ray")
    argv = [
        str(ray), "start", "--head", "--block", f"--port={port}", f"--num-cpus={cpus}",
        "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats",
    ]  # fmt: skip
    address = f"127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("wb") as out:
        head = subprocess.Popen(
            argv, env=bench_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        while not _ready(address):
            if head.poll() is not None or time.perf_counter() - started > READY_TIMEOUT_S:
                raise RuntimeError(f"the Ray head did not start (see {log})")
            time.sleep(0.5)
        yield RayHead(address, time.perf_counter() - started)
    finally:
        stop_head(head)
