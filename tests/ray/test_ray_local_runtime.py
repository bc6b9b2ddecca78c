"""A process that cannot wait for ``ray.shutdown`` takes its whole local Ray runtime with it.

The runtime's own processes die with the process that started them (their parent-death signal), but
the raylet's agents and workers do not: left behind, the agents linger a minute or more. The driver
here is a separate process that connects (a local runtime with one Ray worker busy), calls
``kill_local_runtime`` and ends with ``os._exit``, as ``docmind`` does on Ctrl-C.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.cli import docmind_env
from tests.support.process_tree import ProcessTree, wait_gone

DRIVER = """
import os, sys, time, psutil, ray
from docmind.executors.ray import runtime as ray_runtime
from docmind.executors.ray.local_runtime import kill_local_runtime
from tests.support.process_tree import Seen

ray_runtime.connect("", 1)
busy = ray.remote(lambda: os.getpid()).remote()  # a Ray worker, a child of the raylet
print("worker", ray.get(busy), flush=True)

def agents():
    found = 0
    for child in psutil.Process().children(recursive=True):
        try:
            found += Seen(child.pid, child.create_time(), tuple(child.cmdline()), child.ppid()).is_ray_agent()
        except psutil.Error:
            pass
    return found

deadline = time.monotonic() + 120  # the raylet starts its agents in the background: on a busy machine, late
while agents() < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
kill_local_runtime()
os._exit(0)
"""


def test_the_whole_runtime_dies_agents_and_workers_included(tmp_path: Path) -> None:
    tree = ProcessTree([]).start()
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        env=docmind_env(tmp_path / "data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    tree.add_root(driver.pid)
    out, err = driver.communicate(timeout=600)
    seen = tree.stop()
    assert driver.returncode == 0, err
    worker = int(out.split()[-1])
    agents = [process for process in seen if process.is_ray_agent()]
    assert len(agents) == 2 and worker in {process.pid for process in seen}, seen
    assert wait_gone(seen, 10) == [], "a process of the runtime outlived its driver"
