"""Checksums of mapped segment files, checked once per process and file.

A process that maps a segment file for the first time reads it whole and compares its SHA-256
with the snapshot store's manifest; a match is remembered by the file's identity (device, inode,
size, modification time), so a file shared by several snapshots (hard links) or opened again is
not read again. Only a mismatch or a missing file is damage (:class:`SegmentDamagedError`); an
error while reading (``EIO``, too many open files) is raised as the ``OSError`` it is.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from docmind.segments.reader import SegmentDamagedError

_BLOCK = 1 << 20
_lock = threading.Lock()
_verified: set[tuple[int, int, int, int]] = set()


def check_files(snapshot: Path, relatives: Iterable[str], checksums: Mapping[str, str]) -> None:
    """Check each of ``relatives`` (snapshot-relative) against ``checksums`` unless already checked.

    Raises:
        SegmentDamagedError: a file is missing, not listed, or its content does not match.
        OSError: a file could not be read (not evidence of damage).
    """
    for relative in relatives:
        path = snapshot / relative
        try:
            info = path.stat()
        except FileNotFoundError:
            raise SegmentDamagedError(relative, "is missing") from None
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        with _lock:
            if key in _verified:
                continue
        expected = checksums.get(relative)
        if expected is None:
            raise SegmentDamagedError(relative, "is not listed in the snapshot's manifest")
        if _sha256(path) != expected:
            raise SegmentDamagedError(relative, "content does not match its checksum")
        with _lock:
            _verified.add(key)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
