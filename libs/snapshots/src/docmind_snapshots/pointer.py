"""The CURRENT pointer: one line naming the active snapshot, replaced atomically (LevelDB SetCurrentFile)."""

from __future__ import annotations

import contextlib

from docmind_snapshots.durable import atomic_write_bytes, fsync_dir
from docmind_snapshots.ids import try_parse_snapshot_id, validate_snapshot_id
from docmind_snapshots.layout import Layout


def read_current_text(layout: Layout) -> str | None:
    """Return CURRENT's content without surrounding whitespace, or None if there is no CURRENT.

    Undecodable content is returned with replacement characters (it will not parse as an id).

    Raises:
        OSError: CURRENT exists but cannot be read.
    """
    try:
        raw = layout.current.read_bytes()
    except FileNotFoundError:
        return None
    return raw.decode("utf-8", errors="replace").strip()


def read_current_id(layout: Layout) -> str | None:
    """Return the id CURRENT names, or None if CURRENT is absent, unreadable or not an id."""
    try:
        text = read_current_text(layout)
    except OSError:
        return None
    if text is None or try_parse_snapshot_id(text) is None:
        return None
    return text


def write_current(layout: Layout, snapshot_id: str, *, durable: bool = True) -> None:
    """Atomically point CURRENT at `snapshot_id` (temp file → fsync → replace → fsync dir).

    Raises:
        InvalidSnapshotIdError: `snapshot_id` is not an id.
        OSError: The replace failed (CURRENT unchanged) or the final directory fsync failed (CURRENT changed).
    """
    atomic_write_bytes(layout.current, f"{validate_snapshot_id(snapshot_id)}\n".encode(), durable=durable)


def clear_current(layout: Layout) -> None:
    """Remove CURRENT so no snapshot is active (missing is fine).

    Raises:
        OSError: Removing or the directory fsync failed.
    """
    with contextlib.suppress(FileNotFoundError):
        layout.current.unlink()
    fsync_dir(layout.root)
