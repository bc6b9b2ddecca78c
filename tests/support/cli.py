"""Running the real ``docmind`` command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def docmind_env(data_dir: Path | None, **extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess on ``data_dir`` (``None``: no ``DOCMIND_DATA_DIR`` at all).

    Streamlit's own variables (``STREAMLIT_*``) and ``DOCMIND_APP_TOKEN`` of the calling shell are
    left out: a test of ``docmind app`` states the configuration it means in ``extra``.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("STREAMLIT_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DOCMIND_LIBRARY_DIRS", None)
    env.pop("DOCMIND_DATA_DIR", None)
    env.pop("DOCMIND_APP_TOKEN", None)
    if data_dir is not None:
        env["DOCMIND_DATA_DIR"] = str(data_dir)
    return {**env, **extra}


def docmind_argv(*args: str) -> list[str]:
    """The argv that runs ``docmind`` with this interpreter."""
    return [sys.executable, "-m", "docmind.cli.main", *args]


def run_docmind(
    data_dir: Path | None,
    *args: str,
    timeout: float = 180,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``docmind ARGS`` to completion and capture its output (``env``: extra variables)."""
    return subprocess.run(
        docmind_argv(*args),
        env=docmind_env(data_dir, **(env or {})),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_docmind_traced(
    data_dir: Path | None, *args: str, timeout: float = 180, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``docmind ARGS`` under ``python -X importtime``; return its result and every module it imported.

    The interpreter itself reports each module the moment it is first imported, wherever the
    import statement is (module level, inside a function, at exit). The result's ``stderr`` is the
    command's own, without those lines.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "docmind.cli.main", *args],
        env=docmind_env(data_dir, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    modules, stderr = set(), []
    for line in done.stderr.splitlines(keepends=True):
        if not line.startswith("import time:"):
            stderr.append(line)
        elif "imported package" not in line:  # the header line
            modules.add(line.rsplit("|", 1)[1].strip())
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, "".join(stderr)), modules


def loaded_under(modules: set[str], *packages: str) -> list[str]:
    """The modules of ``modules`` that are one of ``packages`` or inside one of them, sorted."""
    return sorted(m for m in modules if any(m == p or m.startswith(f"{p}.") for p in packages))


def json_lines(stdout: str) -> list[dict[str, Any]]:
    """Parse JSON-lines output."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def start_docmind(data_dir: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """Start ``docmind ARGS`` in its own process group with stdout to ``log``."""
    handle = log.open("wb")
    return subprocess.Popen(
        docmind_argv(*args),
        env=docmind_env(data_dir),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
