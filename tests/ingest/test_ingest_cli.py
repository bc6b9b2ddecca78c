"""The ``docmind`` CLI end to end in subprocesses, on real files and a real data dir."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.support.cli import docmind_argv, docmind_env, json_lines, run_docmind
from tests.support.corpus import make_docx, make_pdf, make_text
from tests.support.datadir import assert_store_whole


def _wait_for_line(proc: subprocess.Popen[str], predicate, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"process ended early (exit {proc.poll()})")
        event = json.loads(line)
        if predicate(event):
            return event
    raise AssertionError("condition not reached")


def test_help_documents_every_command(tmp_path: Path) -> None:
    result = run_docmind(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("ingest", "snapshots", "activate", "search", "verify", "jobs", "app"):
        assert command in result.stdout


def test_ingest_search_snapshots_activate_verify_jobs(tmp_path: Path) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    make_pdf(src / "alpha.pdf", pages=2, phrase="narwhal lighthouse")
    make_docx(src / "beta.docx", phrase="axolotl meadow")
    (src / "broken.txt").write_bytes(b"")

    first = run_docmind(data, "ingest", str(src), "--json")
    assert first.returncode == 0, first.stderr
    lines = json_lines(first.stdout)
    summary = lines[-1]
    assert summary["event"] == "summary"
    assert {k for k in summary} >= {
        "snapshot_id", "files_total", "files_indexed", "files_cached", "files_failed", "chunks", "seconds"
    }  # fmt: skip
    assert summary["files_failed"] == [{"path": "src/broken.txt", "error": "empty file"}]
    assert any(line["event"] == "progress" for line in lines[:-1])

    hits = json.loads(run_docmind(data, "search", "narwhal lighthouse", "--json").stdout)
    assert hits[0]["file"] == "src/alpha.pdf" and hits[0]["page"] == 2
    assert {"file", "page", "score", "excerpt"} <= set(hits[0])

    make_text(src / "gamma.md", phrase="capybara")
    second = json_lines(run_docmind(data, "ingest", str(src), "--json").stdout)[-1]
    assert second["files_cached"] == 2 and second["files_indexed"] == 1

    listed = json.loads(run_docmind(data, "snapshots", "--json").stdout)
    assert [s["active"] for s in listed] == [True, False]
    back = run_docmind(data, "activate", summary["snapshot_id"])
    assert back.returncode == 0
    assert run_docmind(data, "search", "capybara", "--json").stdout.strip() == "[]"

    verify = run_docmind(data, "verify", "--json")
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True

    jobs = json.loads(run_docmind(data, "jobs", "--json").stdout)
    assert [j["state"] for j in jobs] == ["Succeeded", "Succeeded"]

    refused = run_docmind(data, "activate", "../../etc")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr


def test_sigint_mid_ingest_exits_130_and_publishes_nothing(tmp_path: Path) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    make_text(src / "seed.md", phrase="first snapshot")
    assert run_docmind(data, "ingest", str(src)).returncode == 0
    before = assert_store_whole(data)
    for i in range(8):
        make_pdf(src / f"big-{i}.pdf", pages=50, seed=i)
    proc = subprocess.Popen(
        docmind_argv("ingest", str(src), "--json"), env=docmind_env(data), stdout=subprocess.PIPE, text=True
    )
    _wait_for_line(proc, lambda e: e.get("phase") == "parse" and (e.get("done") or 0) >= 2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 130
    assert assert_store_whole(data) == before
    jobs = json.loads(run_docmind(data, "jobs", "--json").stdout)
    assert jobs[0]["state"] == "Cancelled"


def test_second_ingestion_is_refused_while_one_runs(tmp_path: Path) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    for i in range(8):
        make_pdf(src / f"big-{i}.pdf", pages=50, seed=i)
    proc = subprocess.Popen(
        docmind_argv("ingest", str(src), "--json"), env=docmind_env(data), stdout=subprocess.PIPE, text=True
    )
    try:
        _wait_for_line(proc, lambda e: e.get("phase") == "parse")
        second = run_docmind(data, "ingest", str(src))
        assert second.returncode == 3
        assert "another ingestion" in second.stderr and "Traceback" not in second.stderr
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 130


def test_verify_reports_the_repairs_made_on_opening(tmp_path: Path) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    make_text(src / "notes.md", phrase="repair me")
    assert run_docmind(data, "ingest", str(src)).returncode == 0
    active = assert_store_whole(data)
    current = data / "index" / "CURRENT"

    current.write_text("not a snapshot id")  # damaged: opening the data dir repairs it
    report = run_docmind(data, "verify", "--json")
    assert report.returncode == 0, report.stderr  # nothing is damaged any more ...
    payload = json.loads(report.stdout)
    assert payload["ok"] is True and payload["current"] == active
    assert len(payload["repairs"]) == 1 and "CURRENT does not contain a snapshot id" in payload["repairs"][0]
    assert payload["recovery"]["current_repaired"]["to_id"] == active  # ... and the repair is reported

    current.write_text("not a snapshot id")
    text = run_docmind(data, "verify")
    assert text.returncode == 0
    reason = "CURRENT does not contain a snapshot id ('not a snapshot id')"
    assert f"repaired on opening: {reason}; it now names {active}" in text.stdout.splitlines()
    again = run_docmind(data, "verify", "--json")
    assert json.loads(again.stdout)["repairs"] == []  # a healthy data dir needs no repair
