"""Writing a file whole or not at all: the app's one atomic-write helper (chunk cache, uploads).

The snapshot store has its own (``docmind_snapshots.durable``): libraries never import the app.
Temporary files are named ``.<name>.tmp-<16 hex>``: hidden, so a corpus scan never lists one, and
ending in neither the target's suffix nor any other, so no pattern for the real files (``*.json``,
``*.pdf``) matches one. A writer killed midway (a worker killed by a cancel) leaves such a file;
`is_temporary` recognises it so that its owner can sweep it away when nobody writes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

TEMP_INFIX = ".tmp-"


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary file of `write_atomically` (or of the cache before it)."""
    return name.startswith(".") and TEMP_INFIX in name


def write_atomically(path: Path, data: bytes, *, exclusive: bool = False, durable: bool = True) -> None:
    """Make ``path`` hold ``data``, all of it or none of it.

    Steps: (1) create a fresh temporary file next to ``path`` (same directory, same filesystem);
    (2) write ``data``, then flush and fsync it when ``durable``; (3) publish it: ``os.replace`` over
    ``path``, or with ``exclusive`` a hard link that fails if ``path`` exists (an ``O_EXCL`` create
    that is also atomic: nobody ever sees a partial file), then unlink the temporary name; (4) fsync
    the directory when ``durable``. The temporary file is removed whenever a step fails.

    Raises:
        FileExistsError: ``exclusive`` and ``path`` exists (also a dangling symlink): nothing written.
        OSError: a step failed; ``path`` is untouched unless step (4) failed.
    """
    tmp = path.with_name(f".{path.name}{TEMP_INFIX}{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # (1)
    try:
        try:
            _write_all(fd, data)  # (2)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            os.link(tmp, path)  # (3)
            tmp.unlink()
        else:
            tmp.replace(path)  # (3)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(path.parent)  # (4)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:  # a zero-length write would loop forever; treat it as a full device
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
