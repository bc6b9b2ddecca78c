"""Uploads land only in the managed folder, sanitised, atomically, without duplicates."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from docmind.uploads import (
    DUPLICATE,
    REFUSED,
    SAVED,
    UploadResult,
    remove_document,
    sanitize_name,
    save_upload,
)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("line\nbreak.txt", "linebreak.txt"),
        (".hidden.txt", "hidden.txt"),
        ("Ünïcødé résumé.PDF", "Ünïcødé résumé.pdf"),
        ('a<b>c:"d"|e?.txt', "a_b_c__d__e_.txt"),
        ("..", "document"),
    ],
)
def test_sanitize_name(raw: str, safe: str) -> None:
    assert sanitize_name(raw) == safe


def test_traversal_names_stay_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    result = save_upload(folder, "../../escape.txt", b"hello", max_bytes=100)
    assert result.status == SAVED
    assert [p.name for p in folder.iterdir()] == ["escape.txt"]
    assert not (tmp_path / "escape.txt").exists()


def test_duplicate_content_is_noted_not_stored(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    assert save_upload(folder, "a.txt", b"same bytes", max_bytes=100).status == SAVED
    second = save_upload(folder, "b.txt", b"same bytes", max_bytes=100)
    assert second.status == DUPLICATE and "a.txt" in second.note
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]


def test_same_name_other_content_gets_a_new_name(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    save_upload(folder, "a.txt", b"one", max_bytes=100)
    result = save_upload(folder, "a.txt", b"two", max_bytes=100)
    assert result.status == SAVED and "a (2).txt" in result.note
    assert (folder / "a (2).txt").read_bytes() == b"two"


def test_oversized_and_unsupported_are_refused_without_writing(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    big = save_upload(folder, "big.txt", b"x" * 101, max_bytes=100)
    exe = save_upload(folder, "tool.exe", b"MZ", max_bytes=100)
    assert big.status == REFUSED and "limit" in big.note
    assert exe.status == REFUSED and "unsupported" in exe.note
    assert list(folder.iterdir()) == []


def test_remove_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    outside = tmp_path / "keep.txt"
    outside.write_text("keep")
    assert remove_document(folder, "../keep.txt") is False
    assert outside.exists()
    save_upload(folder, "a.txt", b"bye", max_bytes=100)
    assert remove_document(folder, "a.txt") is True
    assert list(folder.iterdir()) == []


def test_two_uploads_of_one_name_at_once_keep_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    other: list[UploadResult] = []
    interleaved = threading.Event()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if not interleaved.is_set():  # while this upload is being written, another tab saves the same name
            interleaved.set()
            other.append(save_upload(folder, "report.txt", b"the other tab's report", max_bytes=100))

    monkeypatch.setattr(os, "fsync", fsync)
    mine = save_upload(folder, "report.txt", b"this tab's report", max_bytes=100)
    assert (other[0].status, other[0].name) == (SAVED, "report.txt")
    assert (mine.status, mine.name) == (SAVED, "report (2).txt")
    assert (folder / "report.txt").read_bytes() == b"the other tab's report"
    assert (folder / "report (2).txt").read_bytes() == b"this tab's report"
    assert sorted(p.name for p in folder.iterdir()) == ["report (2).txt", "report.txt"]  # no temp file left
