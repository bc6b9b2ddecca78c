"""Ray and the environment DocMind runs in: without the package, and under ``uv run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docmind.executors.errors import RayUnavailableError

from tests.support.corpus import make_text
from tests.support.datadir import assert_store_whole
from tests.support.recorder import Recorder
from tests.support.run_engine import ingest


def test_a_ray_job_without_ray_installed_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_text(tmp_path / "docs" / "notes.md")
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without the extra imports
    monkeypatch.delitem(sys.modules, "docmind.executors.ray.executor", raising=False)
    recorder = Recorder()
    with pytest.raises(RayUnavailableError, match=r"docmind\[ray\]"):
        ingest(tmp_path / "data", tmp_path / "docs", executor="ray", reporter=recorder)
    assert {e["phase"] for e in recorder.events} <= {"scan"}
    assert assert_store_whole(tmp_path / "data") is None


def test_docmind_switches_off_ray_shipping_the_working_directory() -> None:
    # Under `uv run`, Ray would pack the working directory (a checkout's .venv: gigabytes) into every job.
    env = {k: v for k, v in os.environ.items() if k != "RAY_ENABLE_UV_RUN_RUNTIME_ENV"}
    probe = (
        "import docmind.executors.ray.executor\n"
        "from ray._private import ray_constants\n"
        "print(ray_constants.RAY_ENABLE_UV_RUN_RUNTIME_ENV)"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
