"""The ``docmind`` CLI and the data dir as the tests inspect them (from outside the server)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from docmind.ingest.index.listing import read_listing

from e2e.server import REPO

CLI_TIMEOUT = 120


def docmind(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``docmind ARGS --data-dir DATA_DIR`` (the installed entry point) and return the result."""
    entry = shutil.which("docmind", path=str(Path(sys.executable).parent))
    command = [entry] if entry else [sys.executable, "-m", "docmind.cli.main"]
    return subprocess.run(
        [*command, *args, "--data-dir", str(data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def docmind_json(*args: str, data_dir: Path) -> Any:
    """Run a ``--json`` command and parse its (single-document) output."""
    result = docmind(*args, "--json", data_dir=data_dir)
    assert result.returncode == 0, f"docmind {' '.join(args)} exited {result.returncode}: {result.stderr}"
    return json.loads(result.stdout)


def ingest(data_dir: Path) -> dict[str, Any]:
    """Run ``docmind ingest --json`` on the managed documents folder; return the summary line."""
    result = docmind("ingest", "--json", data_dir=data_dir)
    assert result.returncode == 0, f"docmind ingest exited {result.returncode}: {result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def jobs(data_dir: Path) -> list[dict[str, Any]]:
    """``docmind jobs --json``: newest first."""
    return docmind_json("jobs", data_dir=data_dir)


def snapshots(data_dir: Path) -> list[dict[str, Any]]:
    """``docmind snapshots --json``: newest first, each with ``id``, ``active`` and ``metadata``."""
    return docmind_json("snapshots", data_dir=data_dir)


def current_snapshot(data_dir: Path) -> str | None:
    """The id named by ``index/CURRENT`` (read directly, without opening the store)."""
    current = data_dir / "index" / "CURRENT"
    return current.read_text(encoding="utf-8").strip() or None if current.exists() else None


def snapshot_dirs(data_dir: Path) -> list[str]:
    """The published snapshot folders, by name."""
    folder = data_dir / "index" / "snapshots"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def workspaces(data_dir: Path) -> list[str]:
    """Whatever is left in ``index/tmp`` (temporary workspaces of running or dead jobs)."""
    folder = data_dir / "index" / "tmp"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def corpus_statuses(data_dir: Path, snapshot_id: str) -> dict[str, str]:
    """File path → status (indexed, cached, failed, skipped) from a snapshot's listing."""
    listing = read_listing(data_dir / "index" / "snapshots" / snapshot_id)
    return {record.path: record.status.value for record in listing.files}


def recorded_job_state(data_dir: Path, job_id: str) -> str | None:
    """The job's state as its process left it in ``jobs.sqlite`` (read-only: no recovery runs)."""
    uri = f"file:{data_dir / 'jobs.sqlite'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        row = connection.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row[0] if row else None
