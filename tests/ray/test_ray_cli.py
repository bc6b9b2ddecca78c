"""``docmind ingest --executor ray`` as a person runs it: a Ray runtime started by the command."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.cli import json_lines, run_docmind, start_docmind
from tests.support.corpus import make_html, make_pdf, make_text
from tests.support.datadir import assert_store_whole
from tests.support.slow_texts import write_slow_texts
from tests.support.sockets import unused_port


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("docs")
    make_pdf(docs / "atlas.pdf", pages=3, phrase="marmot ridge survey")
    make_html(docs / "field.html", phrase="heron estuary count")
    make_text(docs / "log.md", paragraphs=30, seed=9, phrase="lichen boulder notes")
    return docs


def _summary(stdout: str) -> dict:
    return json_lines(stdout)[-1]


def _search(data: Path, query: str) -> list[tuple]:
    result = run_docmind(data, "search", query, "--json")
    assert result.returncode == 0, result.stderr
    return [(hit["file"], hit["page"]) for hit in json.loads(result.stdout)]


def test_ingest_on_ray_publishes_what_the_local_pool_publishes(corpus: Path, tmp_path: Path) -> None:
    on_ray = run_docmind(tmp_path / "ray", "ingest", str(corpus), "--only", "--executor", "ray", "--json")
    assert on_ray.returncode == 0, on_ray.stderr
    local = run_docmind(tmp_path / "local", "ingest", str(corpus), "--only", "--json")
    keys = ("files_total", "files_indexed", "files_failed", "chunks")
    assert [_summary(on_ray.stdout)[k] for k in keys] == [_summary(local.stdout)[k] for k in keys]
    assert _summary(on_ray.stdout)["files_indexed"] == 3
    messages = [e.get("message") for e in json_lines(on_ray.stdout)]
    assert "connecting to Ray" in messages
    assert on_ray.stderr == "", "Ray's own log lines reached the terminal"
    for query in ("marmot ridge survey", "heron estuary", "lichen boulder"):
        assert _search(tmp_path / "ray", query) == _search(tmp_path / "local", query)


def test_an_unreachable_ray_address_is_one_line_and_no_work(corpus: Path, tmp_path: Path) -> None:
    address = f"127.0.0.1:{unused_port()}"
    result = run_docmind(tmp_path, "ingest", str(corpus), "--only", "--ray-address", address)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and address in lines[0] and lines[0].startswith("docmind: "), result.stderr
    jobs = json.loads(run_docmind(tmp_path, "jobs", "--json").stdout)
    assert [job["state"] for job in jobs] == ["Failed"]
    assert assert_store_whole(tmp_path) is None


def test_a_killed_driver_leaves_the_job_interrupted_and_no_ray_process(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_slow_texts(docs, count=6)
    data, log = tmp_path / "data", tmp_path / "ingest.log"
    driver = start_docmind(data, "ingest", str(docs), "--only", "--executor", "ray", "--json", log=log)
    deadline = time.monotonic() + 120
    while not any(e.get("message") == "parsing and splitting" for e in _events(log)):
        assert driver.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    driver.send_signal(signal.SIGKILL)  # the driver alone: the Ray runtime it started must follow it
    driver.wait(30)
    # The runtime's processes die with the driver; Ray's two agents leave once their report of the
    # raylet's death to the (dead) cluster store times out, 60 s later.
    deadline = time.monotonic() + 120
    while _group_alive(driver.pid):
        assert time.monotonic() < deadline, "a Ray process outlived the driver that started it"
        time.sleep(0.2)
    jobs = json.loads(run_docmind(data, "jobs", "--json").stdout)
    assert [job["state"] for job in jobs] == ["Interrupted"]
    assert assert_store_whole(data) is None
    again = run_docmind(data, "ingest", str(docs), "--only", "--executor", "ray", "--json")
    summary = _summary(again.stdout)
    assert again.returncode == 0 and summary["files_indexed"] + summary["files_cached"] == 6, summary


def _events(log: Path) -> list[dict]:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
