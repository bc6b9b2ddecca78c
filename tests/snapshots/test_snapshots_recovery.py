from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import CurrentRepair, SnapshotStore

Publish = Callable[..., Any]
Leftovers = Callable[[Path], list[str]]
Spawn = Callable[..., Any]
MISSING = "snap-000099-20261129T120000Z"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_clean_open_reports_nothing(root: Path, publish: Publish) -> None:
    publish(SnapshotStore(root))
    report = SnapshotStore(root).recovery
    assert report.model_dump() == {
        "writer_active": False,
        "removed_workspaces": (),
        "removed_trash": (),
        "removed_temp_files": (),
        "removed_pins": (),
        "current_repaired": None,
        "strays": (),
        "warnings": (),
    }


def test_falls_back_from_a_damaged_current_target(
    root: Path, publish: Publish, caplog: pytest.LogCaptureFixture
) -> None:
    store = SnapshotStore(root)
    good = publish(store)
    damaged = publish(store)
    (store.path_of(damaged.id) / "a.txt").write_bytes(b"alp")  # a file of another size: seen by a stat
    with caplog.at_level(logging.WARNING, logger="docmind_snapshots"):
        reopened = SnapshotStore(root)
    repair = reopened.recovery.current_repaired
    assert repair == CurrentRepair(from_id=damaged.id, to_id=good.id, reason=repair.reason if repair else "")
    assert "fails verification" in repair.reason if repair else False
    assert f"activated snapshot {good.id}" in caplog.text
    current = reopened.current()
    assert current is not None
    assert current.id == good.id
    assert reopened.verify(good.id).ok
    assert len(reopened.recovery.warnings) == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (f"{MISSING}\n", "does not exist"),
        ("garbage\n", "does not contain a snapshot id"),
        ("../../etc/passwd\n", "does not contain a snapshot id"),
        ("", "does not contain a snapshot id"),
    ],
)
def test_falls_back_from_a_bad_current(root: Path, publish: Publish, content: str, reason: str) -> None:
    store = SnapshotStore(root)
    publish(store)
    newest = publish(store, activate=False)
    (root / "CURRENT").write_text(content)
    reopened = SnapshotStore(root)
    repair = reopened.recovery.current_repaired
    assert repair is not None
    assert reason in repair.reason
    assert repair.to_id == newest.id
    assert (root / "CURRENT").read_text() == newest.id + "\n"


def test_current_removed_when_nothing_verifies(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    for _ in range(2):
        info = publish(store)
        (store.path_of(info.id) / "a.txt").unlink()
    reopened = SnapshotStore(root)
    repair = reopened.recovery.current_repaired
    assert repair is not None
    assert repair.to_id is None
    assert not (root / "CURRENT").exists()
    assert reopened.current() is None
    assert "no snapshot is active" in reopened.recovery.warnings[0]


def test_opening_reads_no_file_whole_and_content_damage_waits_for_a_reader(
    root: Path, publish: Publish
) -> None:
    store = SnapshotStore(root)
    good = publish(store)
    damaged = publish(store)
    (store.path_of(damaged.id) / "a.txt").write_bytes(b"ALPHA")  # same size, other bytes: only a hash sees it
    reopened = SnapshotStore(root)
    assert reopened.recovery.current_repaired is None  # opening checks presence and sizes, never checksums
    report = reopened.verify(damaged.id)
    assert report.damaged and [p.kind for p in report.problems] == ["checksum_mismatch"]
    repair = reopened.fall_back_from(damaged.id, "a reader found a.txt damaged")
    assert repair is not None and (repair.from_id, repair.to_id) == (damaged.id, good.id)
    assert "a reader found a.txt damaged" in repair.reason and "does not match its checksum" in repair.reason
    current = reopened.current()
    assert current is not None and current.id == good.id
    assert reopened.fall_back_from(damaged.id, "again") is None  # CURRENT no longer names it


def test_a_snapshot_that_verifies_is_not_left_by_fall_back_from(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    publish(store)
    active = publish(store)
    assert store.fall_back_from(active.id, "a reader saw something odd") is None  # no damage confirmed
    current = store.current()
    assert current is not None and current.id == active.id


def test_a_read_error_on_opening_moves_nothing(
    root: Path, publish: Publish, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    from pathlib import Path as RealPath

    store = SnapshotStore(root)
    publish(store)
    active = publish(store)
    before = (root / "CURRENT").read_text()
    real_stat = RealPath.stat

    def failing_stat(path: RealPath, *args: Any, **kwargs: Any) -> os.stat_result:
        if path.name == "a.txt" and active.id in str(path):
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(RealPath, "stat", failing_stat)
    with pytest.raises(OSError, match="Input/output error"):
        SnapshotStore(root)
    monkeypatch.undo()
    assert (root / "CURRENT").read_text() == before  # a transient fault never rolls the index back
    assert SnapshotStore(root).recovery.current_repaired is None


def test_missing_current_activates_the_newest_verifying(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    older = publish(store)
    newest = publish(store)
    (store.path_of(newest.id) / "sub" / "b.bin").unlink()
    (root / "CURRENT").unlink()
    reopened = SnapshotStore(root)
    repair = reopened.recovery.current_repaired
    assert repair == CurrentRepair(from_id=None, to_id=older.id, reason="CURRENT is missing")
    current = reopened.current()
    assert current is not None
    assert current.id == older.id


def test_strays_are_reported_and_left_alone(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    publish(store)
    strays = {
        "notes.txt": "file",
        "CURRENT.bak": "file",
        "snapshots/README": "file",
        f"snapshots/{MISSING}": "file",  # named like a snapshot but not a directory
        "tmp/keep-me": "dir",
        "pins/whatever": "file",
        "other": "dir",
    }
    for relative, kind in strays.items():
        path = root / relative
        if kind == "dir":
            path.mkdir()
            (path / "inner").write_text("x")
        else:
            path.write_text("x")
    reopened = SnapshotStore(root)
    assert sorted(reopened.recovery.strays) == sorted(strays)
    for relative in strays:
        assert (root / relative).exists()
    assert reopened.recovery.current_repaired is None
    assert len(reopened.list()) == 1


def test_temporary_files_are_removed_when_no_writer_is_alive(
    root: Path, publish: Publish, leftovers: Leftovers
) -> None:
    store = SnapshotStore(root)
    info = publish(store)
    workspace = root / "tmp" / "ws-999999-0123456789ab"
    (workspace / "deep").mkdir(parents=True)
    (workspace / "deep" / "chunk").write_text("half written")
    trash = root / "tmp" / f"trash-{MISSING}-0123456789ab"
    trash.mkdir()
    (trash / "MANIFEST.json").write_text("{}")
    (root / "CURRENT.tmp-0123456789abcdef").write_text(MISSING)
    (root / "writer.owner.tmp-0123456789abcdef").write_text("{}")
    intent = root / "pins" / f"{info.id}.{os.getpid()}.0123456789ab.del"
    intent.touch()
    dead_pin = root / "pins" / f"{info.id}.{dead_pid()}.0123456789ab.pin"
    dead_pin.touch()
    live_pin = root / "pins" / f"{info.id}.{os.getpid()}.ba9876543210.pin"
    live_pin.touch()
    report = SnapshotStore(root).recovery
    assert report.removed_workspaces == ("tmp/ws-999999-0123456789ab",)
    assert report.removed_trash == (f"tmp/trash-{MISSING}-0123456789ab",)
    assert sorted(report.removed_temp_files) == [
        "CURRENT.tmp-0123456789abcdef",
        "writer.owner.tmp-0123456789abcdef",
    ]
    assert sorted(report.removed_pins) == sorted([f"pins/{intent.name}", f"pins/{dead_pin.name}"])
    assert leftovers(root) == []
    assert live_pin.exists()
    assert (root / "CURRENT").read_text() == info.id + "\n"


def test_workspaces_are_left_alone_while_a_writer_in_this_process_is_alive(
    root: Path, publish: Publish
) -> None:
    store = SnapshotStore(root)
    ws = store.begin("live writer")
    (ws.path / "f").write_text("in progress")
    reopened = SnapshotStore(root)
    assert reopened.recovery.writer_active
    assert reopened.recovery.removed_workspaces == ()
    assert ws.path.exists()
    ws.commit()
    assert reopened.current() is not None


def test_workspaces_are_left_alone_while_a_writer_process_is_alive(root: Path, spawn: Spawn) -> None:
    child = spawn("hold", str(root), "child writer")
    workspace = root / "tmp" / child.expect("HOLDING").split()[1]
    (root / "CURRENT").write_text("garbage")
    report = SnapshotStore(root).recovery
    assert report.writer_active
    assert workspace.exists()
    assert report.current_repaired is None
    assert "not repaired because another writer holds the store" in report.warnings[0]
    child.kill()
    report = SnapshotStore(root).recovery
    assert report.removed_workspaces == (f"tmp/{workspace.name}",)
    assert report.current_repaired is not None
    assert not (root / "CURRENT").exists()


def test_recovery_report_is_frozen(store: SnapshotStore) -> None:
    with pytest.raises(ValueError, match="frozen"):
        store.recovery.writer_active = True  # type: ignore[misc]
