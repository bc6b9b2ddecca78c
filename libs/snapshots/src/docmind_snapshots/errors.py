"""Errors raised by the snapshot store.

Every message is written for the person at the keyboard: it names the snapshot, the holder or the failing step
and says what to do next where that is known. All errors derive from `SnapshotError`, so callers that only
want to show the message catch that one class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docmind_snapshots.models import Problem, WriterHolder


class SnapshotError(Exception):
    """Base class of every error raised by `docmind_snapshots`."""


class InvalidSnapshotIdError(SnapshotError, ValueError):
    """A string that is not a well-formed snapshot id was passed where one is required."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"{value!r} is not a valid snapshot id (expected something like 'snap-000042-20261129T120000Z')"
        )
        self.value = value


class UnsafePathError(SnapshotError):
    """A path inside the store resolves outside it (for example through a planted symlink)."""


class SnapshotNotFoundError(SnapshotError, LookupError):
    """The named snapshot does not exist (or is being deleted)."""

    def __init__(self, snapshot_id: str, reason: str = "does not exist") -> None:
        super().__init__(f"snapshot {snapshot_id} {reason}")
        self.snapshot_id = snapshot_id


class WriterBusyError(SnapshotError):
    """Another writer holds the store's writer lock.

    Attributes:
        holder: Who holds the lock, as written in the `writer.owner` sidecar, or None when that is unknown
            (the holder has not written it yet, or it is unreadable).
    """

    def __init__(self, holder: WriterHolder | None) -> None:
        if holder is None:
            message = "snapshot store is being written by another writer (holder unknown); try again later"
        else:
            message = f"snapshot store is being written by {holder.describe()}"
        super().__init__(message)
        self.holder = holder


class SnapshotCommitError(SnapshotError):
    """Publishing a workspace failed; nothing was published and the previous active snapshot is unchanged."""


class SnapshotActiveError(SnapshotError):
    """The operation would remove the active snapshot."""

    def __init__(self, snapshot_id: str) -> None:
        super().__init__(
            f"snapshot {snapshot_id} is the active snapshot and cannot be deleted; activate another one first"
        )
        self.snapshot_id = snapshot_id


class SnapshotInUseError(SnapshotError):
    """The snapshot is pinned by a live reader and cannot be deleted now."""

    def __init__(self, snapshot_id: str, pids: tuple[int, ...]) -> None:
        who = ", ".join(str(pid) for pid in pids)
        super().__init__(
            f"snapshot {snapshot_id} is in use by a reader (pid {who}); try again when it is closed"
        )
        self.snapshot_id = snapshot_id
        self.pids = pids


class SnapshotDamagedError(SnapshotError):
    """The snapshot failed verification, so it may not be activated."""

    def __init__(self, snapshot_id: str, problems: tuple[Problem, ...]) -> None:
        first = problems[0].message if problems else "unknown problem"
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"snapshot {snapshot_id} is damaged and cannot be activated: {first}{more}")
        self.snapshot_id = snapshot_id
        self.problems = problems
