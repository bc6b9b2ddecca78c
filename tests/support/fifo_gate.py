"""A gate between processes made of a FIFO: one side blocks in `hold` until the other calls `release`."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def hold(fifo: Path) -> None:
    """Block until `release` is called for ``fifo`` (opening a FIFO to read waits for a writer)."""
    with contextlib.suppress(OSError), fifo.open("rb") as reader:
        reader.read()


def release(fifo: Path) -> bool:
    """Let a process blocked in `hold` on ``fifo`` go on; False if nobody was waiting there."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: no reader, the holder is gone (or never came)
        return False
    os.close(fd)
    return True
