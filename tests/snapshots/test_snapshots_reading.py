from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import (
    InvalidSnapshotIdError,
    SnapshotDamagedError,
    SnapshotNotFoundError,
    SnapshotStore,
    UnsafePathError,
)

Publish = Callable[..., Any]
MISSING = "snap-000099-20261129T120000Z"
TRAVERSAL = ["../x", "snap-1/../../etc", "/etc/passwd", "snap-000001-20261129T120000Z/.."]


def test_empty_store_reads_nothing(store: SnapshotStore) -> None:
    assert store.current() is None
    assert store.list() == []
    assert store.verify_all() == []
    with store.open_current() as path:
        assert path is None


def test_list_is_newest_first_with_active_flag(store: SnapshotStore, publish: Publish) -> None:
    a = publish(store, n=1)
    b = publish(store, n=2)
    store.activate(a.id)
    listed = store.list()
    assert [(i.id, i.active, i.metadata) for i in listed] == [(b.id, False, {"n": 2}), (a.id, True, {"n": 1})]
    assert listed[0].stored_files == 2
    assert listed[0].size_bytes == 7


def test_open_pins_while_in_use_and_unpins_after(store: SnapshotStore, root: Path, publish: Publish) -> None:
    info = publish(store)
    with store.open(info.id) as path:
        assert path == store.path_of(info.id)
        assert (path / "a.txt").read_bytes() == b"alpha"
        pins = sorted(p.name for p in (root / "pins").iterdir())
        assert len(pins) == 1
        assert pins[0].startswith(f"{info.id}.{os.getpid()}.")
        assert pins[0].endswith(".pin")
    assert sorted(p.name for p in (root / "pins").iterdir()) == []


def test_open_current_yields_the_active_snapshot(store: SnapshotStore, publish: Publish) -> None:
    publish(store)
    second = publish(store)
    with store.open_current() as path:
        assert path is not None
        assert path.name == second.id


def test_open_unknown_or_being_deleted(store: SnapshotStore, root: Path, publish: Publish) -> None:
    with (
        pytest.raises(SnapshotNotFoundError, match=f"snapshot {MISSING} does not exist"),
        store.open(MISSING),
    ):
        pass
    info = publish(store)
    intent = root / "pins" / f"{info.id}.{os.getpid()}.0123456789ab.del"
    intent.touch()
    with pytest.raises(SnapshotNotFoundError, match="is being deleted"), store.open(info.id):
        pass
    intent.unlink()
    assert sorted(p.name for p in (root / "pins").iterdir()) == []


@pytest.mark.parametrize("bad", TRAVERSAL)
def test_traversal_ids_are_refused_by_every_reader(store: SnapshotStore, bad: str) -> None:
    with pytest.raises(InvalidSnapshotIdError):
        store.path_of(bad)
    with pytest.raises(InvalidSnapshotIdError), store.open(bad):
        pass
    with pytest.raises(InvalidSnapshotIdError):
        store.verify(bad)


def test_planted_symlink_snapshot_is_refused(store: SnapshotStore, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "snapshots" / MISSING).symlink_to(outside)
    with pytest.raises(UnsafePathError, match="resolves outside"):
        store.path_of(MISSING)
    assert store.list() == []


def test_verify_ok(store: SnapshotStore, publish: Publish) -> None:
    info = publish(store)
    report = store.verify(info.id)
    assert report.ok
    assert report.problems == ()
    assert report.snapshot_id == info.id


def _tamper_checksum(snap: Path) -> None:
    (snap / "a.txt").write_bytes(b"ALPHA")


def _tamper_size(snap: Path) -> None:
    (snap / "a.txt").write_bytes(b"alphabet")


def _tamper_missing(snap: Path) -> None:
    (snap / "sub" / "b.bin").unlink()


def _tamper_extra(snap: Path) -> None:
    (snap / "sub" / "intruder").write_bytes(b"!")


def _tamper_manifest_garbage(snap: Path) -> None:
    (snap / "MANIFEST.json").write_text("{not json")


def _tamper_manifest_missing(snap: Path) -> None:
    (snap / "MANIFEST.json").unlink()


def _tamper_manifest_traversal(snap: Path) -> None:
    manifest = json.loads((snap / "MANIFEST.json").read_text())
    manifest["files"][0]["path"] = "../../../../etc/passwd"
    (snap / "MANIFEST.json").write_text(json.dumps(manifest))


def _tamper_manifest_other_id(snap: Path) -> None:
    manifest = json.loads((snap / "MANIFEST.json").read_text())
    manifest["id"] = MISSING
    (snap / "MANIFEST.json").write_text(json.dumps(manifest))


def _tamper_symlink_out(snap: Path) -> None:
    (snap / "a.txt").unlink()
    (snap / "a.txt").symlink_to("/etc/hostname")


@pytest.mark.parametrize(
    ("tamper", "kind", "path"),
    [
        (_tamper_checksum, "checksum_mismatch", "a.txt"),
        (_tamper_size, "size_mismatch", "a.txt"),
        (_tamper_missing, "missing_file", "sub/b.bin"),
        (_tamper_extra, "extra_file", "sub/intruder"),
        (_tamper_manifest_garbage, "bad_manifest", "MANIFEST.json"),
        (_tamper_manifest_missing, "bad_manifest", "MANIFEST.json"),
        (_tamper_manifest_traversal, "bad_manifest", "MANIFEST.json"),
        (_tamper_manifest_other_id, "bad_manifest", "MANIFEST.json"),
        (_tamper_symlink_out, "unsafe_path", "a.txt"),
    ],
)
def test_verify_detects_tampering(
    store: SnapshotStore, publish: Publish, tamper: Callable[[Path], None], kind: str, path: str
) -> None:
    info = publish(store)
    tamper(store.path_of(info.id))
    report = store.verify(info.id)
    assert not report.ok
    assert [(p.kind, p.path) for p in report.problems] == [(kind, path)]
    assert report.problems[0].message
    assert [r.ok for r in store.verify_all()] == [False]


def test_current_raises_when_active_manifest_is_damaged(store: SnapshotStore, publish: Publish) -> None:
    info = publish(store)
    _tamper_manifest_garbage(store.path_of(info.id))
    with pytest.raises(SnapshotDamagedError, match=f"{info.id} is damaged"):
        store.current()
    assert store.list() == []  # unreadable manifests are left out of list(); verify_all reports them


def test_verify_unknown(store: SnapshotStore) -> None:
    with pytest.raises(SnapshotNotFoundError):
        store.verify(MISSING)


def test_verify_all_reports_a_dangling_current(store: SnapshotStore, root: Path, publish: Publish) -> None:
    publish(store)
    (root / "CURRENT").write_text(MISSING + "\n")
    reports = store.verify_all()
    assert [r.ok for r in reports] == [True, False]
    assert reports[-1].snapshot_id == "CURRENT"
    assert reports[-1].problems[0].kind == "bad_current"
    with pytest.raises(SnapshotNotFoundError, match="named by CURRENT"):
        store.current()
