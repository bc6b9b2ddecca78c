"""The filesystem seam: every durability-relevant call goes through these functions.

The store never calls `os.fsync`, `os.write`, `os.replace` or `os.rename` directly; it calls the functions of
this module through the module (``fsops.fsync(fd)``), so a test can monkeypatch one of them to raise
``OSError(errno.ENOSPC, ...)`` or ``OSError(errno.EIO, ...)`` and watch the store recover.

`checkpoint` is a no-op called at the start of every numbered commit step and at a few other points of
interest; crash tests replace it to report progress or to stop a child process at a chosen step before killing
it.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync(fd: int) -> None:
    """Flush a file or directory descriptor to stable storage (`os.fsync`)."""
    os.fsync(fd)


def write(fd: int, data: bytes | memoryview) -> int:
    """Write bytes to a descriptor and return how many were written (`os.write`)."""
    return os.write(fd, data)


def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Atomically rename `src` over `dst` (`os.replace`)."""
    Path(src).replace(dst)


def rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Rename `src` to `dst` (`os.rename`); used for directories."""
    Path(src).rename(dst)


def checkpoint(name: str) -> None:
    """Mark a point in a protocol; a no-op outside tests.

    Args:
        name: A stable label such as ``"commit.5"`` (before step 5 of commit) or ``"delete.trashed"``.
    """
    del name
