"""``docmind sources list|add|remove`` in subprocesses: persisted in the data dir, one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_docmind
from tests.support.corpus import make_text


def _sources(data: Path, **env: str) -> list[dict]:
    result = run_docmind(data, "sources", "list", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _refused(result, *phrases: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_sources_are_remembered_by_the_data_dir(tmp_path: Path) -> None:
    data, reports = tmp_path / "data", tmp_path / "library" / "reports"
    for i in range(3):
        make_text(reports / f"note-{i}.md", seed=i)
    (reports / "image.png").write_bytes(b"\x89PNG")
    assert _sources(data) == []

    added = run_docmind(data, "sources", "add", str(reports), "--json")
    assert added.returncode == 0, added.stderr
    entry = {
        "path": str(reports),
        "label": "reports",
        "origin": "registered",
        "available": True,
        "problem": None,
        "files": 3,
    }
    assert json.loads(added.stdout) == entry
    assert _sources(data) == [entry]  # another process reads it back from the data dir
    text = run_docmind(data, "sources", "list")
    assert text.stdout.strip() == f"reports  {reports}  3 files"

    removed = run_docmind(data, "sources", "remove", str(reports), "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout) == {"path": str(reports), "label": "reports", "removed": True}
    assert _sources(data) == []
    assert "no sources" in run_docmind(data, "sources", "list").stdout


def test_a_registered_folder_that_vanished_is_listed_as_unavailable(tmp_path: Path) -> None:
    data, reports = tmp_path / "data", tmp_path / "reports"
    make_text(reports / "a.md")
    assert run_docmind(data, "sources", "add", str(reports)).returncode == 0
    reports.rename(tmp_path / "elsewhere")
    [entry] = _sources(data)
    assert (entry["available"], entry["problem"], entry["files"]) == (False, "no such folder", None)
    assert "UNAVAILABLE: no such folder" in run_docmind(data, "sources", "list").stdout
    # Removing it is how a person says its files may leave the index.
    assert run_docmind(data, "sources", "remove", str(reports)).returncode == 0
    assert _sources(data) == []


def test_environment_folders_are_sources_that_only_the_environment_removes(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    make_text(shelf / "a.md")
    env = {"DOCMIND_LIBRARY_DIRS": str(shelf)}
    [entry] = _sources(data, **env)
    assert (entry["path"], entry["origin"], entry["files"]) == (str(shelf), "environment", 1)
    assert "(from DOCMIND_LIBRARY_DIRS)" in run_docmind(data, "sources", "list", env=env).stdout
    _refused(run_docmind(data, "sources", "remove", str(shelf), env=env), "DOCMIND_LIBRARY_DIRS")
    _refused(run_docmind(data, "sources", "add", str(shelf), env=env), "already a source from")


def test_bad_paths_are_refused_in_one_line_and_change_nothing(tmp_path: Path) -> None:
    data, library = tmp_path / "data", tmp_path / "library"
    reports = library / "reports"
    make_text(reports / "a.md")
    make_text(reports / "2025" / "b.md")
    (library / "notes.md").write_text("a file, not a folder")
    (library / "loop").symlink_to(library / "loop")
    assert run_docmind(data, "sources", "add", str(reports)).returncode == 0
    assert run_docmind(data, "sources", "list").returncode == 0  # creates the data dir's folders
    before = _sources(data)

    cases = {
        library / "notes.md": "it is a file, not a folder",
        library / "missing": "no such folder",
        library / "loop": "symlink loop",
        data / "documents": f"it is inside the data dir {data}",
        tmp_path: f"it contains the data dir {data}",
        reports: "it is already registered",
        reports / "2025": f"it is inside the source {reports}",
        library: f"it contains the source {reports}",
    }
    for path, reason in cases.items():
        _refused(run_docmind(data, "sources", "add", str(path)), f"cannot add {path}: {reason}")
    _refused(run_docmind(data, "sources", "remove", str(library)), "not a registered source")
    assert _sources(data) == before


def test_labels_stay_unique_in_the_corpus(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first, second, third = tmp_path / "a" / "docs", tmp_path / "b" / "docs", tmp_path / "c" / "documents"
    for folder in (first, second, third):
        make_text(folder / "x.md")
        assert run_docmind(data, "sources", "add", str(folder)).returncode == 0
    assert [s["label"] for s in _sources(data)] == ["docs", "docs-2", "documents-2"]
    assert (data / "sources.sqlite").is_file()
