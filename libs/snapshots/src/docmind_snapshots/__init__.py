"""docmind_snapshots: versioned, atomically published, recoverable snapshot directories.

A generic store: it knows nothing about what the files mean. Writers build a snapshot in a private workspace
and publish it whole (`SnapshotStore.begin` → `Workspace.commit`); readers follow the ``CURRENT`` pointer and
pin what they read (`SnapshotStore.open`). Only one writer at a time per store, across threads and processes;
readers never lock. Opening a store runs recovery. The full contract is in ``docs/specs/snapshots.md``.
"""

from docmind_snapshots.durable import atomic_write_bytes, is_temporary
from docmind_snapshots.errors import (
    InvalidSnapshotIdError,
    SnapshotActiveError,
    SnapshotCommitError,
    SnapshotDamagedError,
    SnapshotError,
    SnapshotInUseError,
    SnapshotNotFoundError,
    UnsafePathError,
    WriterBusyError,
)
from docmind_snapshots.ids import format_snapshot_id, parse_snapshot_id
from docmind_snapshots.manifest import FileEntry, Manifest
from docmind_snapshots.models import (
    CurrentRepair,
    Problem,
    RecoveryReport,
    SnapshotInfo,
    VerifyReport,
    WriterHolder,
)
from docmind_snapshots.seals import Seal, seal_file
from docmind_snapshots.store import SnapshotStore
from docmind_snapshots.workspace import Workspace

__all__ = [
    "CurrentRepair",
    "FileEntry",
    "InvalidSnapshotIdError",
    "Manifest",
    "Problem",
    "RecoveryReport",
    "Seal",
    "SnapshotActiveError",
    "SnapshotCommitError",
    "SnapshotDamagedError",
    "SnapshotError",
    "SnapshotInUseError",
    "SnapshotInfo",
    "SnapshotNotFoundError",
    "SnapshotStore",
    "UnsafePathError",
    "VerifyReport",
    "Workspace",
    "WriterBusyError",
    "WriterHolder",
    "atomic_write_bytes",
    "format_snapshot_id",
    "is_temporary",
    "parse_snapshot_id",
    "seal_file",
]
