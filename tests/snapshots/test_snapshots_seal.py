"""Sealing finished files before commit, here or where they were written: publishing then only checks
stamps, never trusts a stale hash."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from docmind_snapshots import SnapshotCommitError, SnapshotError, SnapshotStore, seal_file


def _manifest_digests(root: Path, snapshot_id: str) -> dict[str, str]:
    manifest = json.loads((root / "snapshots" / snapshot_id / "MANIFEST.json").read_text())
    return {entry["path"]: entry["sha256"] for entry in manifest["files"]}


def test_sealed_files_are_published_with_their_digests(store: SnapshotStore, root: Path) -> None:
    with store.begin("me") as ws:
        (ws.path / "index").mkdir()
        (ws.path / "index" / "a.bin").write_bytes(b"a" * 5000)
        assert ws.seal_all() == 1
        (ws.path / "late.txt").write_text("written after the seal")
        info = ws.commit()
    assert _manifest_digests(root, info.id) == {
        "index/a.bin": hashlib.sha256(b"a" * 5000).hexdigest(),
        "late.txt": hashlib.sha256(b"written after the seal").hexdigest(),
    }
    assert store.verify(info.id).ok


@pytest.mark.parametrize("change", ["append", "same-size rewrite", "replace"])
def test_a_file_changed_after_its_seal_is_hashed_again(store: SnapshotStore, root: Path, change: str) -> None:
    with store.begin("me") as ws:
        target = ws.path / "data.bin"
        target.write_bytes(b"old content")
        ws.seal_all()
        if change == "append":
            with target.open("ab") as handle:
                handle.write(b" and more")
        elif change == "same-size rewrite":
            target.write_bytes(b"new content")
            os.utime(target, ns=(0, 0))  # even a forged modification time leaves the change time moved
        else:
            (ws.path / "other.bin").write_bytes(b"replacement")
            (ws.path / "other.bin").replace(target)
        expected = hashlib.sha256(target.read_bytes()).hexdigest()
        info = ws.commit()
    assert _manifest_digests(root, info.id) == {"data.bin": expected}
    assert store.verify(info.id).ok


def test_seal_refuses_what_commit_refuses_and_a_closed_workspace(
    store: SnapshotStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not in the workspace")
    with store.begin("me") as ws:
        (ws.path / "link").symlink_to(outside)
        with pytest.raises(SnapshotCommitError, match="absolute symlink"):
            ws.seal_all()
        ws.abort()
        with pytest.raises(SnapshotError, match="already committed or aborted"):
            ws.seal_all()


class _Stop(Exception):
    """What a writer's checkpoint raises to stop the sealing (its cancel)."""


def test_a_checkpoint_stops_the_seal_between_files_and_commit_hashes_the_rest(
    store: SnapshotStore, root: Path
) -> None:
    files = {f"part-{n}.bin": bytes([n]) * 4096 for n in range(5)}
    calls: list[int] = []

    def stop_before_the_third_file() -> None:
        calls.append(len(calls))
        if len(calls) == 3:
            raise _Stop

    with store.begin("me") as ws:
        for name, data in files.items():
            (ws.path / name).write_bytes(data)
        with pytest.raises(_Stop):
            ws.seal_all(stop_before_the_third_file)
        assert len(calls) == 3  # checked before each file, and nothing after the stop
        assert ws.seal_all() == len(files)  # a writer that goes on anyway seals the rest
        info = ws.commit()
    assert _manifest_digests(root, info.id) == {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
    assert store.verify(info.id).ok


def test_a_seal_stopped_by_an_exception_leaves_nothing_when_the_workspace_unwinds(
    store: SnapshotStore, root: Path
) -> None:
    def stop() -> None:
        raise _Stop

    with pytest.raises(_Stop), store.begin("me") as ws:
        (ws.path / "index.bin").write_bytes(b"index")
        ws.seal_all(stop)
    assert store.current() is None and list((root / "tmp").iterdir()) == []


def test_recorded_seals_are_published_without_reading_the_files_again(
    store: SnapshotStore, root: Path
) -> None:
    with store.begin("me") as ws:
        (ws.path / "seg").mkdir()
        (ws.path / "seg" / "a.bin").write_bytes(b"a" * 5000)
        seal = seal_file(ws.path, "seg/a.bin")
        assert seal.entry.sha256 == hashlib.sha256(b"a" * 5000).hexdigest()
        # A forged digest with the file's stamp is what commit publishes: the file was not read again.
        forged = seal.model_copy(update={"entry": seal.entry.model_copy(update={"sha256": "0" * 64})})
        assert ws.record_seals([forged]) == 1
        assert ws.seal_all() == 1
        info = ws.commit()
    assert _manifest_digests(root, info.id) == {"seg/a.bin": "0" * 64}


@pytest.mark.parametrize("change", ["append", "same-size rewrite", "replace", "removed"])
def test_a_file_changed_after_its_recorded_seal_is_hashed_again(
    store: SnapshotStore, root: Path, change: str
) -> None:
    with store.begin("me") as ws:
        target = ws.path / "data.bin"
        target.write_bytes(b"old content")
        ws.record_seals([seal_file(ws.path, "data.bin")])
        if change == "append":
            with target.open("ab") as handle:
                handle.write(b" and more")
        elif change == "same-size rewrite":
            target.write_bytes(b"new content")
            os.utime(target, ns=(0, 0))
        elif change == "replace":
            (ws.path / "other.bin").write_bytes(b"replacement")
            (ws.path / "other.bin").replace(target)
        else:
            target.unlink()
            (ws.path / "kept.bin").write_bytes(b"kept")
        expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in ws.path.iterdir()}
        info = ws.commit()
    assert _manifest_digests(root, info.id) == expected
    assert store.verify(info.id).ok


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.bin", "seg/../../outside.bin"])
def test_a_seal_naming_a_path_outside_the_workspace_is_refused(store: SnapshotStore, path: str) -> None:
    with store.begin("me") as ws:
        (ws.path / "a.bin").write_bytes(b"a")
        seal = seal_file(ws.path, "a.bin")
        bad = seal.model_copy(update={"entry": seal.entry.model_copy(update={"path": path})})
        with pytest.raises(SnapshotCommitError, match="not a path inside the workspace"):
            ws.record_seals([bad])
        ws.abort()
        with pytest.raises(SnapshotError, match="already committed or aborted"):
            ws.record_seals([seal])
