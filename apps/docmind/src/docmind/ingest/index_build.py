"""The index build, run inside a worker process: chunks streamed from the cache into the stages.

With embeddings on, every chunk's windows are cut again (the same deterministic cut as the embed
phase) and their vectors read from the embedding cache into the dense stage, beside BM25.

Running it in a worker keeps the index libraries and all chunk objects out of the job's process
(the Streamlit server or the CLI) and lets a cancel abandon the build by killing its worker.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from docmind.embed.cache import EmbeddingCache
from docmind.embed.spec import EmbedSpec
from docmind.embed.windows import chunk_windows, load_tokenizer, window_key
from docmind.ingest.cache import CacheEntry, ChunkCache
from docmind.ingest.index_stage import BM25Stage, IndexChunk
from docmind.ingest.task_progress import report_progress
from docmind.ingest.vector_stage import VectorStage
from docmind.ingest.worker import FileTask, process_file


@dataclass(frozen=True)
class IndexedFile:
    """One file whose chunks go into the index; ``location`` is where to re-read it if needed."""

    path: str
    source: str
    sha256: str
    location: Path


@dataclass(frozen=True)
class VectorSource:
    """Where the index build finds the windows' vectors: the embedder and the embedding cache's folder."""

    spec: EmbedSpec
    cache_root: Path


@dataclass(frozen=True)
class IndexTask:
    """Everything a worker needs to build the index into a workspace (small and picklable).

    ``chunks`` is how many chunks the files hold (the build reports its progress against it).
    """

    workspace: Path
    cache: ChunkCache
    chunk_size: int
    chunk_overlap: int
    files: tuple[IndexedFile, ...]
    chunks: int
    vectors: VectorSource | None = None


@dataclass(frozen=True)
class IndexResult:
    """What the build wrote: chunks, windows and the vector size (0 without vectors)."""

    chunks: int
    windows: int
    dims: int


@dataclass(frozen=True)
class EntryRequest:
    """A file whose cache entry is wanted, with the chunk settings to rebuild it (picklable)."""

    cache: ChunkCache
    file: IndexedFile
    chunk_size: int
    chunk_overlap: int


_FULL_MARGIN = 1 << 20
"""Less free space than this after a failed index write means the disk is (practically) full."""


class SourceChangedError(RuntimeError):
    """A file changed while it was being ingested (its cache entry had to be rebuilt and differs)."""


class MissingVectorsError(RuntimeError):
    """The embedding cache lost vectors between the embed phase and the build."""


def build_index(task: IndexTask) -> IndexResult:
    """Feed every chunk of ``task.files`` to the index stages and write them.

    A missing or damaged cache entry is rebuilt from the file (same content hash required). The
    chunks taken in so far are reported after each file (``task_progress``), and once more before
    the index files are written.
    """
    dense = _DenseFeed(task.vectors) if task.vectors else None
    try:
        stage = BM25Stage(task.workspace)
        try:
            for file in task.files:
                entry = chunk_entry(EntryRequest(task.cache, file, task.chunk_size, task.chunk_overlap))
                for position, chunk in enumerate(entry.chunks):
                    metadata = {"file": file.path, "source": file.source}
                    if chunk.page:
                        metadata["page"] = chunk.page
                    node_id = f"{file.sha256[:16]}-{file.path}-{position}"
                    if dense is not None:
                        dense.add(stage.size, chunk.text, file.path)
                    stage.add(IndexChunk(node_id, chunk.text, metadata, chunk.terms))
                report_progress(stage.size, task.chunks)
            report_progress(stage.size, task.chunks, final=True)
            stage.write()
        finally:
            stage.close()
        chunks = stage.size
        windows, dims = dense.write(task.workspace) if dense is not None else (0, 0)
    except OSError as exc:
        # numpy reports a short write on a full disk as "N requested and M written", without an errno.
        if exc.errno is None and _nearly_full(task.workspace):
            reason = f"No space left on device while writing the search index ({exc})"
            raise OSError(errno.ENOSPC, reason, str(task.workspace)) from exc
        raise
    return IndexResult(chunks, windows, dims)


class _DenseFeed:
    """Cuts each chunk's windows and adds their cached vectors to the dense stage."""

    def __init__(self, source: VectorSource) -> None:
        self._spec = source.spec
        self._tokenizer = load_tokenizer(source.spec.tokenizer_dir)
        self._cache = EmbeddingCache(source.cache_root, source.spec.fingerprint)
        self._stage = VectorStage()

    def add(self, parent: int, text: str, path: str) -> None:
        keys = [window_key(w) for w in chunk_windows(text, self._tokenizer, self._spec.window).texts]
        found = self._cache.vectors(keys)
        if len(found) < len(set(keys)):
            raise MissingVectorsError(f"the embedding cache lost vectors of {path}; ingest again")
        if keys:
            self._stage.add(parent, np.stack([found[key] for key in keys]))

    def write(self, workspace: Path) -> tuple[int, int]:
        self._cache.close()
        return self._stage.windows, self._stage.write(workspace)


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path).free < _FULL_MARGIN
    except OSError:
        return False


def chunk_entry(request: EntryRequest) -> CacheEntry:
    """The cache entry of ``request.file``, rebuilt from the file when it is missing or damaged.

    Raises:
        SourceChangedError: the file's content is no longer the one that was hashed.
    """
    cache, file = request.cache, request.file
    entry = cache.get(file.sha256)
    if entry is not None:
        return entry
    outcome = process_file(
        FileTask(
            file.location, file.path, cache.base, cache.fingerprint, request.chunk_size, request.chunk_overlap
        )
    )
    entry = cache.get(outcome.sha256) if outcome.sha256 == file.sha256 else None
    if entry is None:
        raise SourceChangedError(f"{file.path} changed or became unreadable during ingestion")
    return entry
