"""The Documents page's Sources section and the panel's end state, in AppTest over real jobs and files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docmind.runtime import process_service
from docmind.sources import absolute_path
from streamlit.testing.v1 import AppTest

from tests.support.corpus import make_text
from tests.ui.conftest import page


def _sources_table(at: AppTest) -> list[dict]:
    for frame in at.dataframe:
        table = frame.value
        if "folder" in table.columns:
            return table.to_dict("records")
    return []


def _corpus_table(at: AppTest) -> dict[str, str]:
    for frame in at.dataframe:
        table = frame.value
        if "status" in table.columns:
            return dict(zip(table["name"], table["status"], strict=True))
    return {}


def _add(at: AppTest, path: Path | str) -> None:
    at.text_input(key="documents_source_path").input(str(path))
    at.button(key="documents_source_add").click().run()


def test_sources_are_listed_added_and_removed_on_the_documents_page(data_dir: Path, tmp_path: Path) -> None:
    shelf = tmp_path / "shelf"
    make_text(shelf / "a.md")
    make_text(shelf / "b.md", seed=2)
    (shelf / "image.png").write_bytes(b"\x89PNG")
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    assert not at.exception
    assert any("No source folders yet" in c.value for c in at.caption)
    assert at.button(key="job_panel_start").label == "Start ingestion"  # the page contract is intact

    _add(at, shelf)
    assert not at.exception
    assert any(f"Added source {shelf} (label shelf)" in s.value for s in at.success)
    assert at.text_input(key="documents_source_path").value == ""
    expected = {"source": "shelf", "folder": str(shelf), "documents": 2, "state": "ok"}
    expected["added by"] = "registered"
    assert _sources_table(at) == [expected]
    assert _corpus_table(at) == {"shelf/a.md": "new", "shelf/b.md": "new", "shelf/image.png": "skipped"}
    assert [s.path for s in process_service().library.all()] == [shelf]  # stored in the data dir

    _add(at, shelf / "a.md")
    assert [e.value for e in at.error] == [f"Refused: cannot add {shelf}/a.md: it is a file, not a folder"]
    _add(at, data_dir)
    refusal = f"Refused: cannot add {data_dir}: it is inside the data dir {data_dir}"
    assert [e.value for e in at.error] == [refusal]
    assert _sources_table(at) == [expected]

    shelf.rename(tmp_path / "moved")
    at.run()
    [row] = _sources_table(at)
    assert (row["state"], row["documents"]) == ("unavailable: no such folder", None)

    at.selectbox(key="documents_source_choice").select(str(shelf))
    at.button(key="documents_source_remove").click().run()
    assert any(f"Removed source {shelf}" in s.value for s in at.success)
    assert _sources_table(at) == []
    assert process_service().library.all() == []


def test_the_page_adds_only_folders_under_the_source_roots(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    make_text(allowed / "inside" / "a.md")
    make_text(other / "secret" / "b.md")
    (allowed / "escape").symlink_to(other / "secret")  # inside by its name, outside once resolved
    (allowed / "loop").symlink_to(allowed / "loop")
    monkeypatch.setenv("DOCMIND_SOURCE_ROOTS", f"{tmp_path / 'nowhere'}{os.pathsep}{allowed}")
    roots = f"{tmp_path / 'nowhere'}, {allowed}"
    at = AppTest.from_file(page("documents"), default_timeout=30).run()

    for typed in (other / "secret", allowed / "escape", allowed / ".." / "other", "/etc", other / "missing"):
        _add(at, typed)
        shown = absolute_path(Path(typed))
        outside = f"it is not under the allowed source roots {roots} (DOCMIND_SOURCE_ROOTS)"
        assert [e.value for e in at.error] == [
            f"Refused: cannot add {shown}: {outside}"
        ]  # even a missing folder says only that
    _add(at, allowed / "loop")
    assert [e.value for e in at.error] == [f"Refused: cannot add {allowed / 'loop'}: symlink loop"]
    assert _sources_table(at) == [] and process_service().library.all() == []

    _add(at, allowed / "inside")
    assert any(f"Added source {allowed / 'inside'}" in s.value for s in at.success)
    assert [s.path for s in process_service().library.all()] == [allowed / "inside"]


def test_an_empty_source_roots_setting_lets_the_page_add_no_folder(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_text(tmp_path / "shelf" / "a.md")
    monkeypatch.setenv("DOCMIND_SOURCE_ROOTS", "")
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    _add(at, tmp_path / "shelf")
    empty = "DOCMIND_SOURCE_ROOTS is empty, so no folder may be added here"
    assert [e.value for e in at.error] == [f"Refused: cannot add {tmp_path / 'shelf'}: {empty}"]
    assert process_service().library.all() == []


def test_the_source_roots_default_to_the_home_directory(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    make_text(home / "papers" / "a.md")
    make_text(tmp_path / "elsewhere" / "b.md")
    monkeypatch.delenv("DOCMIND_SOURCE_ROOTS")
    monkeypatch.setenv("HOME", str(home))
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    _add(at, tmp_path / "elsewhere")
    assert [e.value for e in at.error] == [
        f"Refused: cannot add {tmp_path / 'elsewhere'}: it is not under the allowed source roots {home} "
        "(DOCMIND_SOURCE_ROOTS)"
    ]
    _add(at, "~/papers")
    assert any(f"Added source {home / 'papers'}" in s.value for s in at.success)


def _ingest() -> str:
    service = process_service()
    record = service.jobs.wait(service.start_ingestion(owner="test"), timeout=120)
    assert record.state.value == "Succeeded", record.error
    assert record.result is not None
    return record.result


def test_the_panel_says_what_was_removed_and_when_nothing_changed(data_dir: Path, tmp_path: Path) -> None:
    shelf = tmp_path / "shelf"
    for name in ("a.md", "b.md", "c.md", "d.md"):
        make_text(shelf / name, phrase=name)
    make_text(data_dir / "documents" / "upload.md")
    process_service().library.add(shelf)
    first = _ingest()
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    added = "5 added (shelf/a.md, shelf/b.md, shelf/c.md…)"
    assert [s.value for s in at.success] == [f"Published snapshot {first} · {added} · 0 removed"]

    for name in ("a.md", "b.md", "c.md", "d.md"):
        (shelf / name).unlink()
    make_text(shelf / "e.md")
    make_text(data_dir / "documents" / "upload.md", seed=9)
    second = _ingest()
    at.run()
    named = "1 added (shelf/e.md) · 1 changed (upload.md) · 4 removed (shelf/a.md, shelf/b.md, shelf/c.md…)"
    assert [s.value for s in at.success] == [f"Published snapshot {second} · {named}"]

    assert _ingest() == second
    at.run()
    assert not at.success
    assert [i.value for i in at.info] == [f"Nothing changed; {second} stays active"]
    assert [s.id for s in process_service().store.list()] == [second, first]


def test_the_panel_names_skipped_files_and_warns_of_an_empty_source(data_dir: Path, tmp_path: Path) -> None:
    shelf, empty = tmp_path / "shelf", tmp_path / "empty"
    make_text(shelf / "a.md")
    (shelf / "photo.png").write_bytes(b"\x89PNG")
    empty.mkdir()
    process_service().library.add(shelf)
    process_service().library.add(empty)
    first = _ingest()
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    text = " ".join(m.value for m in at.markdown)
    assert "1 indexed · 0 cached · 0 failed · 0 removed · 1 skipped" in text
    assert "**1 file(s) skipped** (not ingested):" in text
    skipped = next(f.value for f in at.dataframe if "reason" in f.value.columns and "file" in f.value.columns)
    assert skipped.to_dict("records") == [{"file": "shelf/photo.png", "reason": "unsupported file type .png"}]
    assert [w.value for w in at.warning] == [f"Source folder {empty} is empty: nothing in it was ingested."]

    # Nothing changed: the panel still names the skipped file and the empty folder.
    assert _ingest() == first
    at.run()
    assert [i.value for i in at.info] == [f"Nothing changed; {first} stays active"]
    assert [w.value for w in at.warning] == [f"Source folder {empty} is empty: nothing in it was ingested."]
    assert "**1 file(s) skipped** (not ingested):" in " ".join(m.value for m in at.markdown)
