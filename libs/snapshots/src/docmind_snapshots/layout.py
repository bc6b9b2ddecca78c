"""Where things live under a store root, and the strict parser for every name the store owns.

Layout (see docs/specs/snapshots.md)::

    <root>/
      CURRENT                      "<snapshot id>" + newline: the active snapshot; absent when none is active
      CURRENT.tmp-<16 hex>         temp file of an in-flight CURRENT replace
      writer.lock                  flock target of the single-writer lock (never removed)
      writer.owner                 JSON describing the current lock holder (sidecar, advisory)
      writer.owner.tmp-<16 hex>    temp file of an in-flight writer.owner replace
      snapshots/<snapshot id>/     published, immutable snapshots (each holds MANIFEST.json)
      tmp/ws-<pid>-<12 hex>/       workspaces being written
      tmp/trash-<snapshot id>-<12 hex>/   snapshots being deleted
      pins/<snapshot id>.<pid>.<12 hex>.pin   a reader has the snapshot open
      pins/<snapshot id>.<pid>.<12 hex>.del   a writer is deleting the snapshot

Anything else is a stray: reported by recovery, never touched.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from docmind_snapshots.durable import TEMP_MARKER
from docmind_snapshots.errors import UnsafePathError
from docmind_snapshots.ids import try_parse_snapshot_id, validate_snapshot_id

CURRENT = "CURRENT"
WRITER_LOCK = "writer.lock"
WRITER_OWNER = "writer.owner"
SNAPSHOTS_DIR = "snapshots"
TMP_DIR = "tmp"
PINS_DIR = "pins"
MANIFEST = "MANIFEST.json"
"""Name of the manifest at the top of every snapshot; reserved, a workspace may not contain it."""

_ID = r"snap-[0-9]{6,12}-[0-9]{8}T[0-9]{6}Z"
_HEX12 = r"[0-9a-f]{12}"
_TEMP_SUFFIX = re.escape(TEMP_MARKER) + r"[0-9a-f]{16}"
_CURRENT_TEMP_RE = re.compile(re.escape(CURRENT) + _TEMP_SUFFIX)
_OWNER_TEMP_RE = re.compile(re.escape(WRITER_OWNER) + _TEMP_SUFFIX)
_WORKSPACE_RE = re.compile(rf"ws-[0-9]+-{_HEX12}")
_TRASH_RE = re.compile(rf"trash-(?P<id>{_ID})-{_HEX12}")
_PIN_RE = re.compile(rf"(?P<id>{_ID})\.(?P<pid>[0-9]+)\.{_HEX12}\.(?P<kind>pin|del)")


class Kind(StrEnum):
    """What an owned name is."""

    CURRENT = "current"
    CURRENT_TEMP = "current-temp"
    WRITER_LOCK = "writer-lock"
    WRITER_OWNER = "writer-owner"
    WRITER_OWNER_TEMP = "writer-owner-temp"
    SNAPSHOTS_DIR = "snapshots-dir"
    TMP_DIR = "tmp-dir"
    PINS_DIR = "pins-dir"
    SNAPSHOT = "snapshot"
    WORKSPACE = "workspace"
    TRASH = "trash"
    PIN = "pin"
    DELETE_INTENT = "delete-intent"


_ROOT_NAMES = {
    CURRENT: Kind.CURRENT,
    WRITER_LOCK: Kind.WRITER_LOCK,
    WRITER_OWNER: Kind.WRITER_OWNER,
    SNAPSHOTS_DIR: Kind.SNAPSHOTS_DIR,
    TMP_DIR: Kind.TMP_DIR,
    PINS_DIR: Kind.PINS_DIR,
}


def classify(relative: str) -> Kind | None:
    """Classify a store-relative POSIX path of depth one or two; None means "not ours" (a stray).

    Only names are checked, not file types; callers check that a snapshot is a real directory.
    """
    parts = relative.split("/")
    if len(parts) == 1:
        name = parts[0]
        if name in _ROOT_NAMES:
            return _ROOT_NAMES[name]
        if _CURRENT_TEMP_RE.fullmatch(name):
            return Kind.CURRENT_TEMP
        if _OWNER_TEMP_RE.fullmatch(name):
            return Kind.WRITER_OWNER_TEMP
        return None
    if len(parts) != 2:
        return None
    folder, name = parts
    if folder == SNAPSHOTS_DIR:
        return Kind.SNAPSHOT if try_parse_snapshot_id(name) is not None else None
    if folder == TMP_DIR:
        if _WORKSPACE_RE.fullmatch(name):
            return Kind.WORKSPACE
        match = _TRASH_RE.fullmatch(name)
        return Kind.TRASH if match and try_parse_snapshot_id(match["id"]) else None
    if folder == PINS_DIR:
        match = _PIN_RE.fullmatch(name)
        if match is None or try_parse_snapshot_id(match["id"]) is None:
            return None
        return Kind.PIN if match["kind"] == "pin" else Kind.DELETE_INTENT
    return None


@dataclass(frozen=True, slots=True)
class PinName:
    """A parsed pin or delete-intent file name."""

    snapshot_id: str
    pid: int
    kind: Kind


def parse_pin_name(name: str) -> PinName | None:
    """Parse a file name in ``pins/``; None if it is not a pin or delete intent."""
    match = _PIN_RE.fullmatch(name)
    if match is None or try_parse_snapshot_id(match["id"]) is None:
        return None
    return PinName(match["id"], int(match["pid"]), Kind.PIN if match["kind"] == "pin" else Kind.DELETE_INTENT)


def trash_snapshot_id(name: str) -> str | None:
    """Return the snapshot id inside a trash directory name, or None if `name` is not one."""
    match = _TRASH_RE.fullmatch(name)
    return match["id"] if match else None


def _token() -> str:
    return secrets.token_hex(6)


@dataclass(frozen=True, slots=True)
class Layout:
    """The paths of one store; `root` is absolute and resolved."""

    root: Path

    @classmethod
    def create(cls, root: Path) -> Layout:
        """Create the store directories under `root` (idempotent) and return its layout."""
        resolved = Path(root).resolve()
        for sub in (resolved, resolved / SNAPSHOTS_DIR, resolved / TMP_DIR, resolved / PINS_DIR):
            sub.mkdir(parents=True, exist_ok=True)
        return cls(resolved)

    @property
    def current(self) -> Path:
        """The CURRENT pointer file."""
        return self.root / CURRENT

    @property
    def writer_lock(self) -> Path:
        """The writer lock file."""
        return self.root / WRITER_LOCK

    @property
    def writer_owner(self) -> Path:
        """The lock holder sidecar."""
        return self.root / WRITER_OWNER

    @property
    def snapshots(self) -> Path:
        """The directory of published snapshots."""
        return self.root / SNAPSHOTS_DIR

    @property
    def tmp(self) -> Path:
        """The directory of workspaces and trash."""
        return self.root / TMP_DIR

    @property
    def pins(self) -> Path:
        """The directory of reader pins and delete intents."""
        return self.root / PINS_DIR

    def snapshot_dir(self, snapshot_id: str) -> Path:
        """Return ``snapshots/<id>`` after validating the id and checking the path stays in the store.

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not a snapshot id.
            UnsafePathError: The path resolves outside ``snapshots/`` (e.g. it is a planted symlink).
        """
        return self.inside(self.snapshots / validate_snapshot_id(snapshot_id), self.snapshots)

    def new_workspace_dir(self) -> Path:
        """Return a fresh, not yet created, workspace path in ``tmp/``."""
        return self.tmp / f"ws-{os.getpid()}-{_token()}"

    def new_trash_dir(self, snapshot_id: str) -> Path:
        """Return a fresh, not yet created, trash path in ``tmp/`` for `snapshot_id`."""
        return self.tmp / f"trash-{validate_snapshot_id(snapshot_id)}-{_token()}"

    def new_pin(self, snapshot_id: str, kind: Kind) -> Path:
        """Return a fresh pin or delete-intent path (by `kind`) for this process."""
        suffix = "pin" if kind is Kind.PIN else "del"
        return self.pins / f"{validate_snapshot_id(snapshot_id)}.{os.getpid()}.{_token()}.{suffix}"

    def inside(self, path: Path, parent: Path | None = None) -> Path:
        """Return `path` after checking that, resolved, it stays under `parent` (default: the root).

        Raises:
            UnsafePathError: It escapes.
        """
        base = parent or self.root
        if not path.resolve().is_relative_to(base.resolve()):
            raise UnsafePathError(
                f"refusing to use {path}: it resolves outside the snapshot store at {self.root}"
            )
        return path
