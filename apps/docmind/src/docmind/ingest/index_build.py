"""The index build, run inside a worker process: chunks streamed from the cache into the stages.

Running it in a worker keeps the index libraries and all chunk objects out of the job's process
(the Streamlit server or the CLI) and lets a cancel abandon the build by terminating the pool.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

from docmind.ingest.cache import ChunkCache
from docmind.ingest.index_stage import BM25Stage


@dataclass(frozen=True)
class IndexedFile:
    """One file whose chunks go into the index."""

    path: str
    source: str
    sha256: str


@dataclass(frozen=True)
class IndexTask:
    """Everything a worker needs to build the index into a workspace (small and picklable)."""

    workspace: Path
    cache_root: Path
    fingerprint: str
    files: tuple[IndexedFile, ...]


_FULL_MARGIN = 1 << 20
"""Less free space than this after a failed index write means the disk is (practically) full."""


class CacheEntryMissingError(RuntimeError):
    """A cache entry disappeared between the parse and the index phase."""


def build_index(task: IndexTask) -> int:
    """Feed every chunk of ``task.files`` to the index stages and write them; returns the chunk count."""
    cache = ChunkCache(task.cache_root, task.fingerprint)
    stage = BM25Stage()
    for file in task.files:
        entry = cache.get(file.sha256)
        if entry is None:
            raise CacheEntryMissingError(f"cache entry for {file.path} vanished during ingestion")
        for position, chunk in enumerate(entry.chunks):
            metadata = {"file": file.path, "source": file.source}
            if chunk.page:
                metadata["page"] = chunk.page
            stage.add(f"{file.sha256[:16]}-{file.path}-{position}", chunk.text, metadata)
    chunks = stage.size
    try:
        stage.write(task.workspace)
    except OSError as exc:
        # numpy reports a short write on a full disk as "N requested and M written", without an errno.
        if exc.errno is None and _nearly_full(task.workspace):
            reason = f"No space left on device while writing the search index ({exc})"
            raise OSError(errno.ENOSPC, reason, str(task.workspace)) from exc
        raise
    return chunks


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path).free < _FULL_MARGIN
    except OSError:
        return False
