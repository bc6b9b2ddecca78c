"""The CLI follows common conventions: --data-dir anywhere, Streamlit's own configuration for ``app``,
and output fields named for what they count (real subprocesses)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.app_process import START_TIMEOUT, start_app, stop_app, wait_serving
from tests.support.cli import json_lines, run_docmind
from tests.support.corpus import make_pdf, make_text
from tests.support.sockets import unused_port


def test_data_dir_is_accepted_before_or_after_the_command(tmp_path: Path) -> None:
    data, shelf, cwd = tmp_path / "data", tmp_path / "shelf", tmp_path / "cwd"
    make_text(shelf / "a.md", phrase="heron pond")
    cwd.mkdir()
    ingest = run_docmind(None, "--data-dir", str(data), "ingest", str(shelf), "--json", cwd=cwd)
    assert ingest.returncode == 0, ingest.stderr
    snapshot_id = json_lines(ingest.stdout)[-1]["snapshot_id"]
    for argv in (
        ("--data-dir", str(data), "snapshots", "--json"),
        ("snapshots", "--data-dir", str(data), "--json"),
        ("snapshots", "--json", "--data-dir", str(data)),
    ):
        result = run_docmind(None, *argv, cwd=cwd)
        assert result.returncode == 0, (argv, result.stderr)
        assert [s["id"] for s in json.loads(result.stdout)] == [snapshot_id], argv
    for argv in (
        ("--data-dir", str(data), "sources", "list", "--json"),
        ("sources", "--data-dir", str(data), "list", "--json"),
        ("sources", "list", "--data-dir", str(data), "--json"),
    ):
        result = run_docmind(None, *argv, cwd=cwd)
        assert result.returncode == 0, (argv, result.stderr)
        assert [s["path"] for s in json.loads(result.stdout)] == [str(shelf)], argv
    # After the command, --data-dir wins over the one before it.
    elsewhere = str(tmp_path / "elsewhere")
    other = run_docmind(None, "--data-dir", str(data), "snapshots", "--data-dir", elsewhere, cwd=cwd)
    assert other.stdout.startswith("no snapshots yet")
    assert list(cwd.iterdir()) == []  # no default data dir was created on the side


def test_jobs_search_and_snapshots_report_what_they_count(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    make_pdf(shelf / "paper.pdf", pages=2, phrase="pelican archive")
    make_text(shelf / "notes.md", phrase="pelican notebook")
    (shelf / "empty.txt").write_bytes(b"")
    ingest = run_docmind(data, "ingest", str(shelf), "--json")
    assert ingest.returncode == 0, ingest.stderr
    snapshot_id = json_lines(ingest.stdout)[-1]["snapshot_id"]

    line = run_docmind(data, "jobs").stdout.splitlines()[0]
    assert "files 3/3" in line and "failed 1" in line and f"published {snapshot_id}" in line

    hits = {h["file"]: h["page"] for h in json.loads(run_docmind(data, "search", "pelican", "--json").stdout)}
    assert hits == {"shelf/paper.pdf": 2, "shelf/notes.md": None}

    [snapshot] = json.loads(run_docmind(data, "snapshots", "--json").stdout)
    stored = [p for p in (data / "index" / "snapshots" / snapshot_id).rglob("*") if p.is_file()]
    assert snapshot["files"] == 3  # the documents of the corpus (one of them failed)
    assert snapshot["stored_files"] == len(stored) - 1  # the snapshot's own files, without its manifest
    assert "file_count" not in snapshot


@pytest.mark.parametrize("how", ["environment", "config file", "passed option", "--port"])
def test_app_honours_streamlit_configuration(tmp_path: Path, how: str) -> None:
    port = unused_port()
    env: dict[str, str] = {}
    args: list[str] = ["--server.address", "127.0.0.1"]
    if how == "environment":
        env["STREAMLIT_SERVER_PORT"] = str(port)
    elif how == "config file":
        (tmp_path / ".streamlit").mkdir()
        config = f'[server]\nport = {port}\naddress = "127.0.0.1"\n'
        (tmp_path / ".streamlit" / "config.toml").write_text(config)
        args = []
    elif how == "passed option":
        args += ["--server.port", str(port)]
    else:
        args += ["--port", str(port)]
    proc, log = start_app(tmp_path, *args, env=env)
    try:
        output = wait_serving(port, proc, log, printed=f"URL: http://127.0.0.1:{port}")
    finally:
        stop_app(proc)
    assert f"data dir: {tmp_path / 'data'}" in output
    assert "8501" not in output


def test_app_prints_one_url_and_asks_no_web_service_for_an_address(tmp_path: Path) -> None:
    port = unused_port()
    proc, log = start_app(tmp_path, "--port", str(port))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while f"URL: http://localhost:{port}" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)  # polling a log file, not synchronising with the app
    finally:
        stop_app(proc)
    output = log.read_text()
    assert "external IP" not in output and "External URL" not in output and "Network URL" not in output
    assert output.count("Stopping...") <= 1


def test_app_refuses_what_is_not_a_streamlit_option(tmp_path: Path) -> None:
    result = run_docmind(tmp_path / "data", "app", "--serverport", "9")
    assert result.returncode == 2 and "unrecognized argument '--serverport'" in result.stderr
    missing = run_docmind(tmp_path / "data", "app", "--server.port")
    assert missing.returncode == 2 and "--server.port needs a value" in missing.stderr
    other = run_docmind(tmp_path / "data", "snapshots", "--server.port", "9")
    assert other.returncode == 2 and "unrecognized arguments" in other.stderr
