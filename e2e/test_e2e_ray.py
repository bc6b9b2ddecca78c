"""The app with ``DOCMIND_EXECUTOR=ray``: the same panel, Cancel and summary, the work on Ray.

The server connects to Ray once when it opens (a runtime it starts on this machine) and every job
reuses that connection: the first job shows "connecting to Ray" only while that start is still going.

That Ray did the work is read where a person reads it, the job's summary in the snapshot's history
(``docmind snapshots --json``): it names the Ray worker processes that parsed the files. Those
processes are checked against the process table watched during the job: each is a child of the
raylet of the runtime the server started, not the server or one of its local workers.
"""

from __future__ import annotations

import contextlib
import re
import socket
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import expect

from e2e import cli
from e2e.app import UI_TIMEOUT, DocMindApp
from e2e.conftest import ARTIFACTS, DataDirSetup
from e2e.server import StreamlitServer
from tests.support.corpus import make_pdf
from tests.support.process_tree import ProcessTree, Seen
from tests.support.slow_texts import write_slow_texts

RAY_TIMEOUT = 180_000  # a Ray runtime's start and its workers' first imports on two shared cores
FILES = 7


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"DOCMIND_EXECUTOR": "ray"}


@pytest.fixture(scope="module")
def prepare_data_dir() -> DataDirSetup:
    def fill(data: Path) -> None:
        write_slow_texts(data / "documents", count=FILES - 1)
        make_pdf(data / "documents" / "survey.pdf", pages=3, phrase="osprey nesting survey")

    return fill


def test_a_job_on_ray_shows_progress_cancels_and_resumes(app: DocMindApp, server: StreamlitServer) -> None:
    data = server.data_dir
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    job = app.start()
    expect(app.panel).to_contain_text(re.compile(r"[1-9]\d* / 7 files"), timeout=RAY_TIMEOUT)
    app.page.screenshot(path=ARTIFACTS / "ray-running.png")
    app.cancel_button.click()
    app.expect_state("Cancelled", timeout=UI_TIMEOUT)
    assert cli.recorded_job_state(data, job) == "Cancelled"
    assert cli.current_snapshot(data) is None and cli.workspaces(data) == []

    tree = ProcessTree([server.pid]).start()
    app.start()
    app.expect_state("Succeeded", timeout=RAY_TIMEOUT)
    seen = tree.stop(with_existing=True)
    app.wait_until_settled()
    app.page.screenshot(path=ARTIFACTS / "ray-succeeded.png")
    summary = app.panel.inner_text()
    assert re.search(r"\b[1-9]\d* cached", summary), summary  # files finished before the cancel
    assert cli.current_snapshot(data) is not None
    _assert_ray_parsed(data, server.pid, seen)

    app.go_to("Search")
    expect(app.search("osprey nesting survey")).to_contain_text("survey.pdf", timeout=60_000)


def _assert_ray_parsed(data: Path, server: int, seen: list[Seen]) -> None:
    """The job history names Ray workers for every file the job parsed, and they were Ray's processes."""
    active = next(snapshot for snapshot in cli.snapshots(data) if snapshot["active"])
    metadata = active["metadata"]
    workers = metadata["ray_workers"]
    assert sum(worker["files"] for worker in workers) == metadata["files_indexed"] > 0, metadata
    processes = {process.pid: process for process in seen}
    raylets = {p.pid for p in seen if p.parent == server and _is_raylet(p)}
    assert raylets, "the server started no Ray runtime"
    for worker in workers:
        process = processes.get(worker["pid"])
        assert process is not None, f"Ray worker {worker} is no process of the server's runtime"
        assert process.parent in raylets, f"{worker}: its parent is no raylet of the server: {process}"
        assert worker["host"] == socket.gethostname()


def _is_raylet(process: Seen) -> bool:
    """Whether ``process`` runs Ray's raylet (its first sighting may predate its ``exec``)."""
    with contextlib.suppress(psutil.Error):
        return psutil.Process(process.pid).name() == "raylet" and process.alive()
    return bool(process.argv) and process.argv[0].endswith("/raylet")
