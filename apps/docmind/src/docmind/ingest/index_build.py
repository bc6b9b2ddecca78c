"""The index build, run inside a worker process: chunks streamed from the cache into the stages.

Running it in a worker keeps the index libraries and all chunk objects out of the job's process
(the Streamlit server or the CLI) and lets a cancel abandon the build by killing its worker.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

from docmind.ingest.cache import CacheEntry, ChunkCache
from docmind.ingest.index_stage import BM25Stage, IndexChunk
from docmind.ingest.worker import FileTask, process_file


@dataclass(frozen=True)
class IndexedFile:
    """One file whose chunks go into the index; ``location`` is where to re-read it if needed."""

    path: str
    source: str
    sha256: str
    location: Path


@dataclass(frozen=True)
class IndexTask:
    """Everything a worker needs to build the index into a workspace (small and picklable)."""

    workspace: Path
    cache: ChunkCache
    chunk_size: int
    chunk_overlap: int
    files: tuple[IndexedFile, ...]


_FULL_MARGIN = 1 << 20
"""Less free space than this after a failed index write means the disk is (practically) full."""


class SourceChangedError(RuntimeError):
    """A file changed while it was being ingested (its cache entry had to be rebuilt and differs)."""


def build_index(task: IndexTask) -> int:
    """Feed every chunk of ``task.files`` to the index stages and write them; returns the chunk count.

    A missing or damaged cache entry is rebuilt from the file (same content hash required).
    """
    stage = BM25Stage()
    for file in task.files:
        entry = task.cache.get(file.sha256) or _rebuild(task, file)
        for position, chunk in enumerate(entry.chunks):
            metadata = {"file": file.path, "source": file.source}
            if chunk.page:
                metadata["page"] = chunk.page
            node_id = f"{file.sha256[:16]}-{file.path}-{position}"
            stage.add(IndexChunk(node_id, chunk.text, metadata, chunk.terms))
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


def _rebuild(task: IndexTask, file: IndexedFile) -> CacheEntry:
    outcome = process_file(
        FileTask(
            file.location,
            file.path,
            task.cache.base,
            task.cache.fingerprint,
            task.chunk_size,
            task.chunk_overlap,
        )
    )
    entry = task.cache.get(outcome.sha256) if outcome.sha256 == file.sha256 else None
    if entry is None:
        raise SourceChangedError(f"{file.path} changed or became unreadable during ingestion")
    return entry
