"""The machine a run was measured on, and a digest of the engine's sources."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psutil

from tests.benchmarks.measure import REPO


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in (
        "llama-index-core",
        "llama-index-readers-file",
        "llama-index-retrievers-bm25",
        "pypdf",
        "pypdfium2",
        "streamlit",
        "playwright",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def _git_output(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
    ).stdout.strip()


def _git() -> dict[str, str]:
    try:
        head = _git_output("rev-parse", "--short", "HEAD")
        dirty = _git_output("status", "--porcelain", "--", "apps", "libs")
    except OSError:
        return {}
    return {"commit": head, "app_tree": "modified (uncommitted engine changes)" if dirty else "clean"}


def source_digest() -> str:
    """A short hash of the app and libs sources: tells whether the engine changed during a run."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([*REPO.glob("apps/*/src/**/*.py"), *REPO.glob("libs/*/src/**/*.py")]):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": _versions(),
        "git": _git(),
    }
