"""Seals: a file's manifest entry, taken where the file was written, with the stamp that keeps it honest.

A writer whose files are finished by other processes (or on other machines sharing the store's file
system) can fsync and hash each file there, right after its last write (`seal_file`), and hand the
seals to the workspace (`Workspace.record_seals`): neither `Workspace.seal_all` nor `Workspace.commit`
reads or syncs those files again. A seal holds only while the file's stamp — size, modification and
change times in ns, inode — is the one taken before it was read: a file written after (or while) it
was hashed, or whose stamp reads otherwise where the workspace runs, is hashed again at commit. A
seal therefore saves work but never puts a stale checksum in a manifest.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from docmind_snapshots import fsops
from docmind_snapshots.manifest import FileEntry, hash_file, hash_stream

Stamp = tuple[int, int, int, int]
"""What any write to a file changes: size, modification and change times (ns), inode."""


class Seal(BaseModel):
    """A file's manifest entry and the stamp it holds for (small and picklable).

    Attributes:
        entry: The file's path (relative to the workspace), size and SHA-256.
        stamp: The file's stamp when it was read (see `stamp`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry: FileEntry
    stamp: Stamp


def stamp(path: Path) -> Stamp:
    """The stamp of `path` (not following a symlink)."""
    info = path.lstat()
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def seal_file(top: Path, relative: str) -> Seal:
    """Fsync and hash the file ``top / relative`` (a workspace's file); its seal.

    The stamp is taken before the file is read, so a write during the read leaves the seal stale
    (the file is hashed again at commit) rather than publishing a checksum of older bytes.

    Raises:
        OSError: The file cannot be read or synced.
    """
    before = stamp(top / relative)
    return Seal(entry=fsync_and_hash(top, relative), stamp=before)


def fsync_and_hash(top: Path, relative: str) -> FileEntry:
    """Fsync ``top / relative`` and return its manifest entry (a symlink is hashed through)."""
    path = top / relative
    if path.is_symlink():
        size, digest = hash_file(path)  # the target is a regular file in the workspace, fsynced itself
        return FileEntry(path=relative, size=size, sha256=digest)
    with path.open("rb") as stream:
        size, digest = hash_stream(stream)
        fsops.fsync(stream.fileno())
    return FileEntry(path=relative, size=size, sha256=digest)
