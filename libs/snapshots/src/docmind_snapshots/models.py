"""Frozen pydantic models returned by the store (safe to share between threads and to dump as JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

ProblemKind = Literal[
    "missing_file",
    "size_mismatch",
    "checksum_mismatch",
    "extra_file",
    "unsafe_path",
    "bad_manifest",
    "bad_current",
    "unreadable",
]
"""``unreadable`` is a read error (``EIO``, too many open files): not evidence of damage."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(_Frozen):
    """One thing wrong with a snapshot.

    Attributes:
        kind: Machine-readable category.
        path: The file concerned, relative to the snapshot (POSIX), or "" for the snapshot as a whole.
        message: Human-readable sentence.
    """

    kind: ProblemKind
    path: str = ""
    message: str


class VerifyReport(_Frozen):
    """Result of verifying one snapshot against its manifest.

    Attributes:
        snapshot_id: The snapshot verified (or ``"CURRENT"`` for a report about the pointer itself).
        ok: True when there are no problems.
        problems: Everything found wrong, in a stable order.
    """

    snapshot_id: str
    ok: bool
    problems: tuple[Problem, ...] = ()

    @property
    def damaged(self) -> bool:
        """Whether a problem is damage (every kind but ``unreadable``, which a retry may not see)."""
        return any(problem.kind != "unreadable" for problem in self.problems)


class SnapshotInfo(_Frozen):
    """What a caller may know about a published snapshot without opening it.

    Attributes:
        id: The snapshot id.
        created: Commit time (UTC) from the manifest.
        size_bytes: Total size of the snapshot's files (excluding the manifest).
        stored_files: Number of files stored in the snapshot directory (excluding the manifest); the
            store does not know what they mean (one index may span several files).
        metadata: The dict the writer passed to `Workspace.commit`.
        active: Whether CURRENT named this snapshot when the info was read.
    """

    id: str
    created: datetime
    size_bytes: int
    stored_files: int
    metadata: dict[str, JsonValue]
    active: bool


class WriterHolder(_Frozen):
    """The holder of the writer lock, as recorded in ``writer.owner``.

    Attributes:
        owner: Free text given to `SnapshotStore.begin` (e.g. ``"ingest job 12"``); may be empty.
        pid: Process id of the holder.
        host: Host name of the holder.
        since: When the lock was taken (UTC).
    """

    owner: str
    pid: int
    host: str
    since: datetime

    def describe(self) -> str:
        """Return e.g. ``"ingest job 12 (pid 4242) since 2026-11-29 12:00:00 UTC"``."""
        who = self.owner or "an unnamed writer"
        return f"{who} (pid {self.pid}) since {self.since:%Y-%m-%d %H:%M:%S} UTC"


class CurrentRepair(_Frozen):
    """How recovery changed CURRENT.

    Attributes:
        from_id: What CURRENT named before (None if absent; the raw text if it was not an id).
        to_id: What it names now (None: removed, no snapshot verifies).
        reason: Why.
    """

    from_id: str | None
    to_id: str | None
    reason: str


class RecoveryReport(_Frozen):
    """What opening the store found and fixed.

    Attributes:
        writer_active: True when a live writer held the lock, so temporary files were left alone and CURRENT
            was only checked, not repaired.
        removed_workspaces: Workspace directories removed (store-relative paths).
        removed_trash: Half-deleted snapshot directories removed.
        removed_temp_files: Stale ``CURRENT``/``writer.owner`` temp files removed.
        removed_pins: Pins and delete intents left by dead processes, removed.
        current_repaired: Set when CURRENT was changed or removed.
        strays: Names under the root that the store does not own (store-relative); left untouched.
        warnings: Human-readable warnings (also logged).
    """

    writer_active: bool = False
    removed_workspaces: tuple[str, ...] = ()
    removed_trash: tuple[str, ...] = ()
    removed_temp_files: tuple[str, ...] = ()
    removed_pins: tuple[str, ...] = ()
    current_repaired: CurrentRepair | None = None
    strays: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
