"""``docmind ingest`` keeps the corpus a person expects: sources are remembered, drops are never
silent, and an ingestion where nothing changed publishes nothing (real subprocesses, real files)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.support.cli import json_lines, run_docmind
from tests.support.corpus import make_pdf, make_text
from tests.support.datadir import assert_store_whole


def _ingest(data: Path, *args: str, env: dict[str, str] | None = None) -> tuple[list[dict], dict[str, Any]]:
    result = run_docmind(data, "ingest", *args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert lines[-1]["event"] == "summary"
    return lines[:-1], lines[-1]


def _search(data: Path, query: str) -> list[str]:
    return [hit["file"] for hit in json.loads(run_docmind(data, "search", query, "--json").stdout)]


def _snapshot_ids(data: Path) -> list[str]:
    return [s["id"] for s in json.loads(run_docmind(data, "snapshots", "--json").stdout)]


def test_ingesting_a_second_folder_keeps_the_first(tmp_path: Path) -> None:
    data, docs, docs2 = tmp_path / "data", tmp_path / "docs", tmp_path / "docs2"
    for i in range(3):
        make_text(docs / f"guide-{i}.md", seed=i, phrase="narwhal lighthouse" if i == 0 else "")
    make_text(docs2 / "extra.md", seed=9, phrase="axolotl meadow")

    first = run_docmind(data, "ingest", str(docs))
    assert first.returncode == 0, first.stderr
    assert f"added source {docs} (label docs)" in first.stdout.splitlines()[0]
    notes, summary = _ingest(data, str(docs2))
    # The registration is stated before any progress.
    assert notes[0] == {
        "event": "source",
        "path": str(docs2),
        "status": "added",
        "name": "docs2",
        "note": f"added source {docs2} (label docs2): every ingestion includes it from now on",
    }
    assert all(line["event"] == "progress" for line in notes[1:])
    assert (summary["files_total"], summary["files_removed"], summary["changed"]) == (4, 0, True)
    assert _search(data, "narwhal lighthouse")[0] == "docs/guide-0.md"
    assert _search(data, "axolotl meadow")[0] == "docs2/extra.md"

    # Ingesting a folder that is already a source (or inside one) registers nothing new.
    notes, summary = _ingest(data, str(docs))
    assert (notes[0]["event"], notes[0]["status"]) == ("source", "covered")
    assert [s["label"] for s in json.loads(run_docmind(data, "sources", "list", "--json").stdout)] == [
        "docs",
        "docs2",
    ]


def test_a_file_is_copied_into_the_documents_folder_like_an_upload(tmp_path: Path) -> None:
    data, loose = tmp_path / "data", tmp_path / "loose"
    make_text(loose / "Field Notes.md", phrase="capybara orchard")
    notes, summary = _ingest(data, str(loose / "Field Notes.md"))
    assert notes[0]["event"] == "document" and notes[0]["status"] == "saved"
    assert notes[0]["name"] == "Field Notes.md"
    assert (data / "documents" / "Field Notes.md").read_bytes() == (loose / "Field Notes.md").read_bytes()
    assert summary["files_total"] == 1
    assert _search(data, "capybara orchard") == ["Field Notes.md"]

    shutil.copy(loose / "Field Notes.md", loose / "copy.md")
    again = run_docmind(data, "ingest", str(loose / "copy.md"))
    assert again.returncode == 0, again.stderr
    assert "already holds the same content; not copied" in again.stdout.splitlines()[0]
    assert sorted(p.name for p in (data / "documents").iterdir()) == ["Field Notes.md"]
    assert "nothing changed" in again.stdout

    (loose / "tool.exe").write_bytes(b"MZ")
    refused = run_docmind(data, "ingest", str(loose / "tool.exe"))
    assert refused.returncode == 1 and refused.stderr.strip().splitlines() == [
        f"docmind: cannot ingest {loose / 'tool.exe'}: unsupported file type .exe"
    ]


def test_only_states_what_it_drops_before_it_publishes(tmp_path: Path) -> None:
    data, keep, other = tmp_path / "data", tmp_path / "keep", tmp_path / "other"
    make_text(keep / "kept.md", phrase="walrus tusk")
    for i in range(12):
        make_text(other / f"o-{i:02d}.md", seed=i, phrase="zebra crossing" if i == 0 else "")
    _ingest(data, str(keep), str(other))

    lines, summary = _ingest(data, "--only", str(keep))
    dropped = [f"other/o-{i:02d}.md" for i in range(12)]
    assert lines[0] == {"event": "dropping", "files_removed": 12, "files_removed_sample": dropped[:10]}
    assert (summary["files_removed"], summary["files_removed_sample"]) == (12, dropped[:10])
    assert _search(data, "zebra crossing") == []
    assert _search(data, "walrus tusk") == ["keep/kept.md"]
    # Nothing was registered or unregistered: the next plain ingestion brings the rest back.
    _, back = _ingest(data)
    assert (back["files_total"], back["files_removed"]) == (13, 0)

    text = run_docmind(data, "ingest", "--only", str(keep))
    assert text.returncode == 0, text.stderr
    statement, published = text.stdout.strip().splitlines()
    assert statement.startswith("--only: publishing drops 12 file(s) of the active snapshot: other/o-00.md")
    assert "12 removed (other/o-00.md, other/o-01.md, other/o-02.md…)" in published

    usage = run_docmind(data, "ingest", "--only")
    assert usage.returncode == 2 and "--only needs at least one PATH" in usage.stderr


def test_every_summary_reports_removed_files(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    for name in ("a.md", "b.md", "c.md"):
        make_text(shelf / name, phrase=name)
    make_text(data / "documents" / "upload.md")
    _, summary = _ingest(data, str(shelf))
    assert (summary["files_removed"], summary["files_removed_sample"]) == (0, [])

    (shelf / "b.md").unlink()
    _, summary = _ingest(data)
    assert (summary["files_removed"], summary["files_removed_sample"]) == (1, ["shelf/b.md"])

    assert run_docmind(data, "sources", "remove", str(shelf)).returncode == 0
    text = run_docmind(data, "ingest")
    assert text.returncode == 0, text.stderr
    assert "2 removed (shelf/a.md, shelf/c.md)" in text.stdout
    jobs = run_docmind(data, "jobs").stdout.splitlines()
    assert "removed 2" in jobs[0] and "removed 1" in jobs[1]


def test_a_missing_source_fails_the_job_loudly_and_publishes_nothing(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    make_text(shelf / "a.md")
    make_text(data / "documents" / "upload.md")
    _, first = _ingest(data, str(shelf))
    shelf.rename(tmp_path / "moved")

    failed = run_docmind(data, "ingest")
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        f"docmind: ingestion failed: source {shelf} cannot be read: no such folder "
        "(restore it, or remove it from the sources); nothing was published"
    ]
    assert assert_store_whole(data) == first["snapshot_id"]
    job = json.loads(run_docmind(data, "jobs", "--json").stdout)[0]
    assert job["state"] == "Failed" and str(shelf) in job["error"]
    assert _snapshot_ids(data) == [first["snapshot_id"]]


def test_nothing_changed_publishes_nothing_and_keeps_the_history(tmp_path: Path) -> None:
    data, shelf = tmp_path / "data", tmp_path / "shelf"
    env = {"DOCMIND_RETENTION": "2"}
    make_pdf(shelf / "paper.pdf", pages=2, phrase="quokka harbour")
    (shelf / "broken.txt").write_bytes(b"")
    for version in range(3):
        make_text(shelf / "notes.md", seed=version)
        _ingest(data, str(shelf), env=env)
    history = _snapshot_ids(data)
    assert len(history) == 2  # retention keeps the newest 2 (the active one among them)

    for _ in range(3):
        lines, summary = _ingest(data, env=env)
        assert summary["changed"] is False
        assert summary["snapshot_id"] == history[0]
        assert (summary["files_removed"], summary["files_indexed"]) == (0, 0)
        assert f"nothing changed; {history[0]} stays active" in [line.get("message") for line in lines]
    assert _snapshot_ids(data) == history
    job = json.loads(run_docmind(data, "jobs", "--json").stdout)[0]
    assert (job["state"], job["result"]) == ("Succeeded", history[0])
    text = run_docmind(data, "ingest", env=env)
    assert text.returncode == 0
    assert text.stdout.startswith(f"nothing changed; {history[0]} stays active")

    # A change of the chunk settings is a change, even with the same files.
    _, resized = _ingest(data, env={**env, "DOCMIND_CHUNK_SIZE": "512", "DOCMIND_CHUNK_OVERLAP": "50"})
    assert resized["changed"] is True and resized["snapshot_id"] not in history
