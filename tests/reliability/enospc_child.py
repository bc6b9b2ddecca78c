"""Runs inside a private mount namespace where ``DATA/index`` is a small tmpfs: a real "disk full".

Usage (see test_reliability_disk_faults.py): ``unshare --mount sh -c 'mount -t tmpfs ... DATA/index && exec
python enospc_child.py DATA SRC TWIN_OF'``. The namespace, and with it the tmpfs, disappears when this
process exits, so the host never sees the mount. Prints one JSON report on stdout.

Steps: a first ingestion publishes a snapshot; a ballast file then fills the tmpfs; a new file (same content
under a second name, so no cache write is needed but the index must be rebuilt in a worker process) makes
the next ingestion write a fresh index into its workspace, which fails with ENOSPC — once in this process
(the job record), once through the real CLI. The ballast is removed, the store is reopened and checked, and
one more ingestion must succeed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path


def fill(path: Path, headroom: int) -> None:
    """Write ``path`` until the filesystem is full, then give back ``headroom`` bytes."""
    block = b"\0" * (1 << 20)
    with path.open("wb", buffering=0) as handle:
        with contextlib.suppress(OSError):
            while True:
                handle.write(block)
        size = path.stat().st_size
        handle.truncate(max(0, size - headroom))


def main() -> int:
    from docmind.service import DocMind
    from docmind.settings import Settings
    from docmind_jobs import JobState

    data, src, twin_of = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    report: dict[str, object] = {}
    settings = Settings(data_dir=data, workers=1)
    service = DocMind(settings)
    try:
        first = service.jobs.wait(service.start_ingestion([src]), timeout=300)
        assert first.state is JobState.SUCCEEDED, first
        report["previous"] = first.result
        ballast = data / "index" / "ballast.bin"
        fill(ballast, headroom=8192)
        shutil.copyfile(twin_of, src / f"twin-{twin_of.name}")
        failed = service.jobs.wait(service.start_ingestion([src]), timeout=300)
        report["state"] = failed.state.value
        report["error"] = failed.error
        cli = subprocess.run(
            [sys.executable, "-m", "docmind.cli.main", "ingest", str(src), "--json", "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        report["cli_code"] = cli.returncode
        report["cli_stderr"] = cli.stderr
        ballast.unlink()
    finally:
        service.close()
    reopened = DocMind(settings)
    try:
        current = reopened.store.current()
        report["active"] = current.id if current else None
        report["verify_ok"] = all(r.ok for r in reopened.store.verify_all())
        report["workspaces"] = sorted(p.name for p in (data / "index" / "tmp").iterdir())
        report["jobs"] = [(r.state.value, r.error) for r in reopened.jobs.list(limit=10)]
        again = reopened.jobs.wait(reopened.start_ingestion([src]), timeout=300)
        report["after"] = again.state.value
    finally:
        reopened.close()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
