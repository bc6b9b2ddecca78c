"""Durable file primitives built on the `fsops` seam.

`atomic_write_bytes` is the pip ``adjacent_tmp_file`` / atomicwrites recipe: temp file in the same directory →
write → flush + fsync → `os.replace` → fsync the directory; the temp file is unlinked on failure, so a reader
sees either the old content or the new one, never a prefix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from pathlib import Path

from docmind_snapshots import fsops

TEMP_MARKER = ".tmp-"
"""Infix of the temporary names made by `atomic_write_bytes` (``CURRENT.tmp-<16 hex>``)."""


def temp_name_for(name: str) -> str:
    """Return a fresh temporary sibling name for `name` (``<name>.tmp-<16 hex digits>``)."""
    return f"{name}{TEMP_MARKER}{secrets.token_hex(8)}"


def fsync_dir(path: Path) -> None:
    """Fsync a directory so that entries created, renamed or removed in it are durable.

    Raises:
        OSError: The directory cannot be opened or flushed.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fsops.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = fsops.write(fd, view)
        if written <= 0:  # a zero-length write would loop forever; treat it as a full device
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def write_new_file(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Create `path` (which must not exist) holding `data`; fsync it when `durable`.

    On failure the partly written file is unlinked.

    Raises:
        FileExistsError: `path` already exists.
        OSError: Writing or flushing failed.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            _write_all(fd, data)
            if durable:
                fsops.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Atomically replace `path` with a file holding `data`.

    Steps: (1) create a temp file next to `path` (same directory, so same filesystem), (2) write `data`,
    (3) flush and fsync it, (4) `os.replace` it over `path`, (5) fsync the directory. When `durable` is false,
    (3) and (5) are skipped: the replace is still atomic, it is just not forced to disk.

    Raises:
        OSError: Any step failed. If it failed before (4), `path` is untouched and the temp file is gone; if
            the directory fsync in (5) failed, `path` already holds the new content.
    """
    tmp = path.with_name(temp_name_for(path.name))
    write_new_file(tmp, data, durable=durable)  # (1)-(3); unlinks tmp on failure
    fsops.checkpoint("atomic_write.before_replace")
    try:
        fsops.replace(tmp, path)  # (4)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)  # (5)


def remove_tree(path: Path) -> None:
    """Remove a directory tree, tolerating entries that vanish meanwhile (another cleaner may race us).

    A symlink at `path` is unlinked, never followed.

    Raises:
        OSError: An entry could not be removed for another reason than being gone already.
    """
    if path.is_symlink():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return

    def _ignore_missing(
        _func: object, _name: str, exc_info: tuple[type[BaseException], BaseException, object]
    ) -> None:
        if not isinstance(exc_info[1], FileNotFoundError):
            raise exc_info[1]

    shutil.rmtree(path, onerror=_ignore_missing)
