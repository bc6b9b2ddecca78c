"""Durable file primitives built on the `fsops` seam: the one atomic-write helper of the store and the app.

`atomic_write_bytes` is the pip ``adjacent_tmp_file`` / atomicwrites recipe: temp file in the same directory →
write → flush + fsync → `os.replace` → fsync the directory; the temp file is unlinked on failure, so a reader
sees either the old content or the new one, never a prefix. The app writes its chunk cache and uploads
with it too (``hidden`` temporary names, so that a corpus scan never lists one; ``exclusive`` for an
upload that must not replace a file of the same name).
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


def temp_name_for(name: str, *, hidden: bool = False) -> str:
    """Return a fresh temporary sibling name for `name`: ``[.]<name>.tmp-<16 hex>`` (the dot with `hidden`).

    A hidden name ends in no suffix of a real file and starts with a dot, so neither a pattern for the real
    files (``*.json``, ``*.pdf``) nor a scan that skips hidden files ever picks one up.
    """
    return f"{'.' if hidden else ''}{name}{TEMP_MARKER}{secrets.token_hex(8)}"


def is_temporary(name: str) -> bool:
    """Whether `name` is a hidden temporary name of `atomic_write_bytes` (left by a writer killed midway)."""
    return name.startswith(".") and TEMP_MARKER in name


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


def atomic_write_bytes(
    path: Path, data: bytes, *, durable: bool = True, exclusive: bool = False, hidden: bool = False
) -> None:
    """Atomically make `path` a file holding `data`, all of it or none of it.

    Steps: (1) create a temp file next to `path` (same directory, so same filesystem; named by
    `temp_name_for` with `hidden`), (2) write `data`, (3) flush and fsync it, (4) publish it: `os.replace`
    over `path`, or with `exclusive` a hard link that fails if `path` exists (an ``O_EXCL`` create that is
    also atomic), then unlink the temp name; (5) fsync the directory. When `durable` is false, (3) and (5)
    are skipped: the publish is still atomic, it is just not forced to disk.

    Raises:
        FileExistsError: `exclusive` and `path` exists (also a dangling symlink): nothing written.
        OSError: Any step failed. If it failed before (4), `path` is untouched and the temp file is gone; if
            the directory fsync in (5) failed, `path` already holds the new content.
    """
    tmp = path.with_name(temp_name_for(path.name, hidden=hidden))
    write_new_file(tmp, data, durable=durable)  # (1)-(3); unlinks tmp on failure
    fsops.checkpoint("atomic_write.before_replace")
    try:
        if exclusive:
            os.link(tmp, path)  # (4)
            tmp.unlink()
        else:
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
