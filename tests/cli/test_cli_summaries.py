"""Summaries that hide nothing: skipped files, empty source folders, what was added or changed, and a
job history that tells a publication from "nothing changed" (real subprocesses, real files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import json_lines, run_docmind
from tests.support.corpus import make_text


def _ingest(data: Path, *args: str) -> dict[str, Any]:
    result = run_docmind(data, "ingest", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json_lines(result.stdout)[-1]


def test_a_folder_of_unsupported_files_is_named_not_hidden(tmp_path: Path) -> None:
    data, shelf, odd = tmp_path / "data", tmp_path / "shelf", tmp_path / "odd"
    for name in ("a.md", "b.md", "c.md"):
        make_text(shelf / name, phrase=name)
    _ingest(data, str(shelf))
    odd.mkdir()
    (odd / "photo.png").write_bytes(b"\x89PNG")
    (odd / "table.xlsx").write_bytes(b"PK")

    summary = _ingest(data, str(odd))
    assert summary["files_skipped"] == 2
    assert summary["files_skipped_sample"] == [
        {"path": "odd/photo.png", "reason": "unsupported file type .png"},
        {"path": "odd/table.xlsx", "reason": "unsupported file type .xlsx"},
    ]
    assert (summary["files_added"], summary["files_changed"], summary["files_removed"]) == (0, 0, 0)
    for key in ("snapshot_id", "changed", "files_total", "files_indexed", "files_cached", "files_failed"):
        assert key in summary  # the contract's keys stay

    text = run_docmind(data, "ingest")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert "2 skipped" in lines[0]
    assert "  skipped: odd/photo.png: unsupported file type .png" in lines
    assert "  skipped: odd/table.xlsx: unsupported file type .xlsx" in lines


def test_an_empty_source_folder_gets_a_warning_line_naming_it(tmp_path: Path) -> None:
    data, shelf, empty = tmp_path / "data", tmp_path / "shelf", tmp_path / "empty"
    make_text(shelf / "a.md")
    _ingest(data, str(shelf))
    empty.mkdir()
    (empty / "sub").mkdir()

    summary = _ingest(data, str(empty))
    assert summary["empty_sources"] == [str(empty)] and summary["changed"] is False

    text = run_docmind(data, "ingest")
    assert text.returncode == 0
    assert text.stderr.splitlines() == [
        f"docmind: warning: source folder {empty} is empty: nothing in it was ingested"
    ]

    alone = run_docmind(tmp_path / "other-data", "ingest", str(empty))
    assert alone.returncode == 1
    assert f"source folder {empty} is empty" in alone.stderr


def test_a_one_file_addition_and_a_change_are_named(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    for name in ("a.md", "b.md"):
        make_text(shelf / name, phrase=name)
    first = _ingest(data, str(shelf))
    assert (first["files_added"], first["files_added_sample"]) == (2, ["shelf/a.md", "shelf/b.md"])

    make_text(shelf / "new.md", phrase="new")
    added = _ingest(data)
    assert (added["files_added"], added["files_added_sample"]) == (1, ["shelf/new.md"])
    assert (added["files_changed"], added["files_changed_sample"]) == (0, [])

    make_text(shelf / "a.md", seed=7, phrase="rewritten")
    text = run_docmind(data, "ingest")
    assert text.returncode == 0, text.stderr
    assert "0 added, 1 changed (shelf/a.md), 0 removed" in text.stdout.splitlines()[0]


def test_the_job_history_tells_published_from_nothing_changed(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    make_text(shelf / "a.md")
    snapshot = _ingest(data, str(shelf))["snapshot_id"]
    assert _ingest(data)["changed"] is False

    unchanged, published = json.loads(run_docmind(data, "jobs", "--json").stdout)
    assert (published["changed"], published["outcome"]) == (True, f"published {snapshot}")
    assert (unchanged["changed"], unchanged["outcome"]) == (False, f"nothing changed, {snapshot} stays")
    assert unchanged["result"] == published["result"] == snapshot

    lines = run_docmind(data, "jobs").stdout.splitlines()
    assert lines[0].endswith(f"nothing changed, {snapshot} stays")
    assert lines[1].endswith(f"published {snapshot}")
