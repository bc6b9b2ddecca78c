"""Deleting snapshots and choosing what retention deletes. Callers hold the writer lock.

Deletion renames ``snapshots/<id>`` to ``tmp/trash-<id>-<token>`` first and only then removes the tree, so a
crash never leaves a half-deleted directory that looks like a snapshot; recovery finishes removing the trash.
"""

from __future__ import annotations

from collections.abc import Iterable

from docmind_snapshots import fsops, pins
from docmind_snapshots.durable import fsync_dir, remove_tree
from docmind_snapshots.errors import SnapshotActiveError, SnapshotInUseError, SnapshotNotFoundError
from docmind_snapshots.ids import try_parse_snapshot_id
from docmind_snapshots.layout import Kind, Layout, trash_snapshot_id


def snapshot_ids_on_disk(layout: Layout) -> list[str]:
    """Return the ids of every real directory in ``snapshots/`` named like a snapshot, newest first."""
    parsed = []
    for path in layout.snapshots.iterdir():
        sid = try_parse_snapshot_id(path.name)
        if sid is not None and path.is_dir() and not path.is_symlink():
            parsed.append(sid)
    return [str(sid) for sid in sorted(parsed, reverse=True)]


def highest_counter(layout: Layout) -> int:
    """Return the highest counter used by a snapshot or a snapshot in the trash (0 if none)."""
    counters = [0]
    for path in layout.snapshots.iterdir():
        if (sid := try_parse_snapshot_id(path.name)) is not None:
            counters.append(sid.counter)
    for path in layout.tmp.iterdir():
        trashed = trash_snapshot_id(path.name)
        if trashed is not None and (sid := try_parse_snapshot_id(trashed)) is not None:
            counters.append(sid.counter)
    return max(counters)


def delete_snapshot(layout: Layout, snapshot_id: str, active_id: str | None) -> None:
    """Delete one snapshot; the caller holds the writer lock.

    Steps: (1) refuse the active snapshot, (2) announce a delete intent, (3) refuse if a live reader pinned
    it, (4) rename it into the trash and fsync ``snapshots/``, (5) remove the trash tree, (6) withdraw the
    intent.

    Raises:
        SnapshotNotFoundError: There is no such snapshot.
        SnapshotActiveError: It is the active snapshot.
        SnapshotInUseError: A live reader has it open.
        OSError: The rename or removal failed (after (4) the snapshot is gone from ``snapshots/`` regardless).
    """
    path = layout.snapshot_dir(snapshot_id)
    if not path.is_dir() or path.is_symlink():
        raise SnapshotNotFoundError(snapshot_id)
    if snapshot_id == active_id:  # (1)
        raise SnapshotActiveError(snapshot_id)
    intent = pins.create_marker(layout, snapshot_id, Kind.DELETE_INTENT)  # (2)
    try:
        readers = pins.live_pids(layout, snapshot_id, Kind.PIN)  # (3)
        if readers:
            raise SnapshotInUseError(snapshot_id, readers)
        trash = layout.new_trash_dir(snapshot_id)
        fsops.rename(path, trash)  # (4)
        fsync_dir(layout.snapshots)
        fsops.checkpoint("delete.trashed")
        remove_tree(trash)  # (5)
    finally:
        pins.remove_marker(intent)  # (6)


def retention_victims(
    newest_first: list[str], keep: int, active_id: str | None, pinned: Iterable[str]
) -> list[str]:
    """Return the ids retention deletes: all but the newest `keep`, the active one and pinned ones."""
    spared = set(newest_first[:keep]) | set(pinned)
    if active_id is not None:
        spared.add(active_id)
    return [sid for sid in newest_first if sid not in spared]
