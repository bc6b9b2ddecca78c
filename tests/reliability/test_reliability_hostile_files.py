"""Hostile files: every bad file is reported by name with a reason, the rest is indexed, memory stays bounded.

One real ``docmind ingest --json`` run (through `cli_child.py`, which also records the CLI's peak RSS) over a
source folder holding one of each hostile input, plus the managed documents folder filled through
`docmind.uploads.save_upload` with hostile upload names. The verdicts are read twice: from the ``--json``
summary (``files_failed``: path + error) and from the published snapshot's ``corpus.json`` (status + reason
for every file, including the skipped ones). Uploads are also checked at unit level: sanitised names,
nothing written outside the managed folder, no temporary file left when the disk fails.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from docmind.ingest.index.listing import read_listing
from docmind.uploads import DUPLICATE, REFUSED, SAVED, save_upload

from tests.reliability.reliability_support import cli, running_child
from tests.support.bad_files import write_bad_files
from tests.support.cli import json_lines
from tests.support.corpus import make_text

LIMIT = 64 * 1024
"""DOCMIND_MAX_FILE_BYTES for the run: small, so the oversized files are cheap to make."""
MAX_RSS_MIB = 400
"""The CLI process (scan, hash, index publish) must not come near the 4 GiB sparse file's size."""
DEEP = 60

# rel name in the snapshot → (status, fragment of the reason)
EXPECTED: dict[str, tuple[str, str]] = {
    "hostile/truncated.pdf": ("failed", "damaged PDF"),
    "hostile/encrypted.pdf": ("failed", "encrypted"),
    "hostile/scanned.pdf": ("failed", "no text layer"),
    "hostile/empty.txt": ("failed", "empty file"),
    "hostile/zero.md": ("failed", "empty file"),
    "hostile/zero.pdf": ("failed", "PDF"),
    "hostile/junk.txt": ("failed", "binary content"),
    "hostile/latin1.md": ("failed", "not valid UTF-8"),
    "hostile/bad-utf8.txt": ("failed", "not valid UTF-8"),
    "hostile/bad-utf16.txt": ("failed", "not valid UTF-16"),
    "hostile/utf16-no-bom.txt": ("failed", "binary content"),
    "hostile/broken.docx": ("failed", "damaged Word file"),
    "hostile/oversized.txt": ("skipped", "larger than the limit of 64 KiB"),
    "hostile/sparse-4gib.txt": ("skipped", "larger than the limit"),
    "hostile/tool.exe": ("skipped", "unsupported file type .exe"),
    "hostile/README": ("skipped", "unsupported file type (none)"),
    "hostile/loop": ("skipped", "symlink loop"),
    "hostile/ping.txt": ("skipped", "symlink loop"),
    "hostile/pong.txt": ("skipped", "symlink loop"),
    "hostile/escape.txt": ("skipped", "symlink leaves the source"),
    "hostile/escape-dir": ("skipped", "symlink leaves the source"),
    "hostile/good.md": ("indexed", ""),
    "hostile/" + "/".join(f"d{i:02d}" for i in range(DEEP)) + "/deep.md": ("indexed", ""),
    "hostile/a..b.txt": ("indexed", ""),
    "hostile/x..y/inside.md": ("indexed", ""),
    "hostile/line?break.txt": ("indexed", ""),
    "hostile/résumé-日本.md": ("indexed", ""),
    "hostile/utf16-le.txt": ("indexed", ""),
    "hostile/utf16-be.txt": ("indexed", ""),
    "hostile/twin-one.txt": ("indexed", ""),
    "hostile/twin-two.txt": ("indexed", ""),
    # uploads (the managed documents folder has no label prefix)
    "escape.txt": ("indexed", ""),
    "linebreak.txt": ("indexed", ""),
    "Ünïcødé résumé.md": ("indexed", ""),
}
SEARCHABLE = {
    "survivorquokka": "hostile/good.md",
    "abyssalnarwhal": "hostile/" + "/".join(f"d{i:02d}" for i in range(DEEP)) + "/deep.md",
    "littleendianword": "hostile/utf16-le.txt",
    "bigendianword": "hostile/utf16-be.txt",
    "kanjinamedword": "hostile/résumé-日本.md",
    "newlinenamedword": "hostile/line?break.txt",
}
OUTSIDE_TOKEN = "outsidetoken7f3a"


def build_hostile_source(root: Path, scratch: Path) -> Path:
    src = root / "hostile"
    write_bad_files(src, scratch)  # truncated/encrypted/scanned PDFs, empty, junk, latin-1, broken docx
    make_text(src / "good.md", phrase="survivorquokka")
    (src / "zero.md").write_bytes(b"")
    (src / "zero.pdf").write_bytes(b"")
    (src / "bad-utf8.txt").write_bytes(b"valid start \xff\xfe\xfd then garbage")
    (src / "bad-utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8a\x00")
    (src / "utf16-no-bom.txt").write_bytes("no byte order mark".encode("utf-16-le"))
    (src / "utf16-le.txt").write_bytes(codecs.BOM_UTF16_LE + "littleendianword".encode("utf-16-le"))
    (src / "utf16-be.txt").write_bytes(codecs.BOM_UTF16_BE + "bigendianword".encode("utf-16-be"))
    (src / "oversized.txt").write_text("too big " * (LIMIT // 4))
    with (src / "sparse-4gib.txt").open("wb") as handle:  # no disk used; reading it would need 4 GiB
        handle.truncate(4 * 1024**3)
    (src / "tool.exe").write_bytes(b"MZ\x90\x00")
    (src / "README").write_text("no extension")
    deep = src.joinpath(*(f"d{i:02d}" for i in range(DEEP)))
    make_text(deep / "deep.md", phrase="abyssalnarwhal")
    (src / "loop").symlink_to(".")
    (src / "ping.txt").symlink_to("pong.txt")
    (src / "pong.txt").symlink_to("ping.txt")
    outside = root / "outside.txt"
    outside.write_text(f"outside the source {OUTSIDE_TOKEN}")
    (src / "escape.txt").symlink_to(outside)
    (src / "escape-dir").symlink_to(root)
    (src / "a..b.txt").write_text("two dots in the name")
    make_text(src / "x..y" / "inside.md")
    (src / "line\nbreak.txt").write_text("newlinenamedword")
    (src / "résumé-日本.md").write_text("kanjinamedword")
    (src / "twin-one.txt").write_text("the same content under two names")
    (src / "twin-two.txt").write_text("the same content under two names")
    (src / ".hidden.txt").write_text("hidden files are not part of the corpus")
    return src


def upload_hostile_names(documents: Path) -> None:
    documents.mkdir(parents=True, exist_ok=True)
    results = [
        save_upload(documents, "../../escape.txt", b"uploaded with a traversal name", max_bytes=LIMIT),
        save_upload(documents, "line\nbreak.txt", b"uploaded with a newline name", max_bytes=LIMIT),
        save_upload(documents, "Ünïcødé résumé.MD", b"uploaded unicode", max_bytes=LIMIT),
        save_upload(documents, "same.txt", b"uploaded with a traversal name", max_bytes=LIMIT),
        save_upload(documents, "tool.exe", b"MZ", max_bytes=LIMIT),
    ]
    assert [r.status for r in results] == [SAVED, SAVED, SAVED, DUPLICATE, REFUSED]


def _listing(data: Path, snapshot_id: str) -> dict[str, dict[str, Any]]:
    listing = read_listing(data / "index" / "snapshots" / snapshot_id)
    return {entry.path: entry.model_dump(mode="json") for entry in listing.files}


def test_hostile_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    src = build_hostile_source(tmp_path, tmp_path / "scratch")
    upload_hostile_names(data / "documents")
    rss_file = tmp_path / "maxrss"
    argv = ("ingest", str(src), "--json", "--data-dir", str(data))
    env = {"DOCMIND_MAX_FILE_BYTES": str(LIMIT), "RELIABILITY_MAXRSS_FILE": str(rss_file)}
    with running_child(data, *argv, **env) as child:
        code = child.wait(180)
        assert code == 0, f"{child.err.text()}\n{child.out.text()}"
    assert "Traceback" not in child.err.text()
    summary = json_lines(child.out.text())[-1]
    assert summary["event"] == "summary"

    failed = {f["path"]: f["error"] for f in summary["files_failed"]}
    expected_failed = {name: reason for name, (status, reason) in EXPECTED.items() if status == "failed"}
    assert set(failed) == set(expected_failed), failed
    for name, fragment in expected_failed.items():
        assert fragment in failed[name], (name, failed[name])
    indexed = [name for name, (status, _) in EXPECTED.items() if status == "indexed"]
    assert summary["files_indexed"] + summary["files_cached"] == len(indexed), summary
    assert summary["files_skipped"] == sum(status == "skipped" for status, _ in EXPECTED.values())

    listing = _listing(data, summary["snapshot_id"])
    assert set(listing) == set(EXPECTED), sorted(set(listing) ^ set(EXPECTED))
    for name, (status, fragment) in EXPECTED.items():
        entry = listing[name]
        wanted = {"indexed", "cached"} if status == "indexed" else {status}
        assert entry["status"] in wanted, (name, entry)
        assert fragment in entry["error"], (name, entry)
    assert listing["hostile/twin-one.txt"]["sha256"] == listing["hostile/twin-two.txt"]["sha256"]

    for phrase, expected_file in SEARCHABLE.items():
        found = cli("search", phrase, "--json", "--data-dir", str(data))
        assert found.code == 0, found.stderr
        assert json.loads(found.stdout)[0]["file"] == expected_file, phrase
    snapshot = data / "index" / "snapshots" / summary["snapshot_id"]
    blob = b"".join(p.read_bytes() for p in snapshot.rglob("*") if p.is_file())
    assert OUTSIDE_TOKEN.encode() not in blob, "a symlink leaving the source was followed"
    assert b"hidden files are not part" not in blob

    peak_mib = int(rss_file.read_text()) / 1024
    assert peak_mib < MAX_RSS_MIB, f"CLI peak RSS {peak_mib:.0f} MiB"
    assert cli("verify", "--data-dir", str(data)).code == 0


# -- uploads at unit level --------------------------------------------------------------------------------


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("name", "saved_as"),
    [
        ("../../escape.txt", "escape.txt"),
        ("/etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("sub/dir/../../x.txt", "x.txt"),
        ("line\nbreak\r.txt", "linebreak.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("\u202egnp.txt", "gnp.txt"),
        ("...hidden.md", "hidden.md"),
        ("Ünïcødé 日本語.PDF", "Ünïcødé 日本語.pdf"),
        ("a" * 500 + ".txt", "a" * 116 + ".txt"),
        ('a<b>c:"d"|e?*.txt', "a_b_c__d__e__.txt"),
    ],
)
def test_upload_names_are_sanitised_and_stay_inside(tmp_path: Path, name: str, saved_as: str) -> None:
    folder = tmp_path / "home" / "documents"
    folder.mkdir(parents=True)
    before = _tree(tmp_path)
    result = save_upload(folder, name, b"hostile upload body", max_bytes=LIMIT)
    assert result.status == SAVED, result
    assert result.name == saved_as
    assert sorted(p.name for p in folder.iterdir()) == [saved_as]
    assert _tree(tmp_path) - before == {f"home/documents/{saved_as}"}


@pytest.mark.parametrize("name", ["..", "", "...", "tool.exe", "archive.tar.gz", "noextension"])
def test_upload_names_without_a_supported_type_are_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    result = save_upload(folder, name, b"data", max_bytes=LIMIT)
    assert result.status == REFUSED and "unsupported" in result.note
    assert list(tmp_path.rglob("*")) == [folder]


def test_upload_over_the_limit_is_refused_with_a_readable_limit(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    result = save_upload(folder, "big.txt", b"x" * (LIMIT + 1), max_bytes=LIMIT)
    assert result.status == REFUSED and "64 KiB" in result.note, result.note
    assert list(folder.iterdir()) == []


def test_upload_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("original")
    (folder / "victim.txt").symlink_to(outside / "victim.txt")
    (folder / "dangling.txt").symlink_to(outside / "not-there.txt")
    for name in ("victim.txt", "dangling.txt"):
        result = save_upload(folder, name, f"new {name}".encode(), max_bytes=LIMIT)
        assert result.status == SAVED, result
        assert result.name != name
        assert (folder / result.name).read_text() == f"new {name}"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert (outside / "victim.txt").read_text() == "original"


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO])
def test_upload_disk_failure_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()

    def failing_fsync(fd: int) -> None:
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError) as caught:
        save_upload(folder, "doc.txt", b"content", max_bytes=LIMIT)
    assert caught.value.errno == err
    assert list(folder.iterdir()) == []
