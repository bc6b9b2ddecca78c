"""The manifest written at the top of every snapshot, and streaming file hashing.

A manifest lists every file of the snapshot with its size and SHA-256; verification compares the tree against
it. Paths in a manifest are validated (relative, POSIX, no ``..``), so a tampered manifest cannot make
verification read outside the snapshot.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from docmind_snapshots.ids import validate_snapshot_id
from docmind_snapshots.layout import MANIFEST
from docmind_snapshots.models import SnapshotInfo

SCHEMA_VERSION = 1
BLOCK_SIZE = 1 << 20
"""Hashing reads files in 1 MiB blocks: memory stays flat whatever the file size."""


class BadManifestError(ValueError):
    """The manifest is missing, unreadable or invalid."""


class FileEntry(BaseModel):
    """One file of a snapshot.

    Attributes:
        path: POSIX path relative to the snapshot directory.
        size: Size in bytes.
        sha256: Hex digest of the content.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("path")
    @classmethod
    def _relative_inside(cls, value: str) -> str:
        pure = PurePosixPath(value)
        if (
            not value
            or pure.is_absolute()
            or "\\" in value
            or any(part in ("", ".", "..") for part in value.split("/"))
            or value == MANIFEST
        ):
            raise ValueError(f"unsafe or reserved manifest path: {value!r}")
        return value


class Manifest(BaseModel):
    """The manifest of one snapshot (``MANIFEST.json``).

    Attributes:
        schema_version: Format version, currently 1.
        id: The snapshot id; must equal the directory name.
        created: Commit time, UTC.
        files: Every file of the snapshot except the manifest, sorted by path.
        metadata: The caller's dict, JSON values only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str
    created: datetime
    files: tuple[FileEntry, ...]
    metadata: dict[str, JsonValue]

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return validate_snapshot_id(value)

    @field_validator("created")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("created must carry a time zone")
        return value

    @property
    def size_bytes(self) -> int:
        """Total size of the listed files."""
        return sum(entry.size for entry in self.files)

    def info(self, *, active: bool) -> SnapshotInfo:
        """What the store reports of this snapshot; ``active`` says whether CURRENT names it."""
        return SnapshotInfo(
            id=self.id,
            created=self.created,
            size_bytes=self.size_bytes,
            stored_files=len(self.files),
            metadata=self.metadata,
            active=active,
        )

    def to_bytes(self) -> bytes:
        """Serialise as indented UTF-8 JSON with a trailing newline."""
        return (self.model_dump_json(indent=2) + "\n").encode()


def read_manifest(snapshot_dir: Path) -> Manifest:
    """Load and validate ``MANIFEST.json`` of `snapshot_dir`, checking its id matches the directory name.

    Raises:
        FileNotFoundError: The snapshot directory or its manifest does not exist.
        BadManifestError: The manifest is invalid, of an unknown schema or names another snapshot.
        OSError: The manifest cannot be read (a read error, which is not damage).
    """
    raw = (snapshot_dir / MANIFEST).read_bytes()
    try:
        manifest = Manifest.model_validate_json(raw)
    except ValidationError as exc:
        raise BadManifestError(f"{MANIFEST} is invalid: {exc.errors()[0]['msg']}") from exc
    if manifest.schema_version != SCHEMA_VERSION:
        raise BadManifestError(f"{MANIFEST} has unknown schema version {manifest.schema_version}")
    if manifest.id != snapshot_dir.name:
        raise BadManifestError(f"{MANIFEST} names snapshot {manifest.id}, not {snapshot_dir.name}")
    return manifest


def hash_stream(stream: BinaryIO) -> tuple[int, str]:
    """Return (size, sha256 hex) of everything left in `stream`, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    while block := stream.read(BLOCK_SIZE):
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


def hash_file(path: Path) -> tuple[int, str]:
    """Return (size, sha256 hex) of the file at `path`, streaming.

    Raises:
        OSError: It cannot be read.
    """
    with path.open("rb") as stream:
        return hash_stream(stream)


def relative_files(top: Path) -> list[str]:
    """List every non-directory entry under `top` as a sorted POSIX path relative to it.

    Directory symlinks are listed (as entries), never followed.
    """
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        base = Path(dirpath)
        found.extend((base / name).relative_to(top).as_posix() for name in filenames)
        found.extend(
            (base / name).relative_to(top).as_posix() for name in dirnames if (base / name).is_symlink()
        )
    return sorted(found)
