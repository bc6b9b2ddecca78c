"""The index build, run inside a worker process: files' chunks from the cache into new segments.

Each file's chunks (from the chunk cache, rebuilt from the file when missing) go into the current
segment with their records and BM25 terms (the metadata lines' terms first, as LlamaIndex tokenizes
``get_content(MetadataMode.EMBED)``); with embeddings on, their windows are cut again (the same
deterministic cut as the embed phase) and their vectors read from the embedding cache. A segment is
finished once it holds ``segment_chunks`` chunks, and the next one begins: memory stays bounded by
a segment, whatever the corpus.

Running it in a worker keeps the chunk objects out of the job's process (the Streamlit server or
the CLI) and lets a cancel abandon the build by killing its worker. The worker is one of this
machine's, or a Ray worker when the cluster shares the driver's storage (``seam.segment_builders``):
it reads the chunk and embedding caches and writes into the workspace at the driver's paths. The
result names the process that wrote the segments (``IndexResult.builder``).

The worker seals each segment it finishes: it fsyncs and checksums the segment's files
(``docmind_snapshots.seal_file``) and returns the seals with the headers, so the driver records them
(``Workspace.record_seals``) instead of reading every new byte again before the publish.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from docmind_snapshots import Seal, seal_file

from docmind.embed.cache import EmbeddingCache
from docmind.embed.spec import EmbedSpec
from docmind.embed.windows import chunk_windows, load_tokenizer, window_key
from docmind.executors.task_context import report_progress
from docmind.ingest.parse.chunk_cache import CacheEntry, ChunkCache
from docmind.ingest.parse.file_task import FileTask, process_file
from docmind.ingest.parse.indexed_file import IndexedFile
from docmind.segments import layout
from docmind.segments.bm25_terms import bm25_terms
from docmind.segments.meta import SegmentHeader
from docmind.segments.node_records import corpus_record, metadata_str
from docmind.segments.writer import SegmentChunk, SegmentFileInput, SegmentWriter

SEGMENT_CHUNKS = 20_000
"""Chunks per segment written by one build (bounds the build's memory; merges make bigger ones)."""


@dataclass(frozen=True)
class VectorSource:
    """Where the index build finds the windows' vectors: the embedder and the embedding cache's folder."""

    spec: EmbedSpec
    cache_root: Path


@dataclass(frozen=True)
class IndexTask:
    """Everything a worker needs to write new segments into a workspace (small and picklable).

    ``names`` are the segment names to use, in order (the driver allots them); a build uses one per
    ``segment_chunks`` chunks and never more than it is given. ``chunks`` is how many chunks the files
    hold (the build reports its progress against it).
    """

    workspace: Path
    cache: ChunkCache
    chunk_size: int
    chunk_overlap: int
    files: tuple[IndexedFile, ...]
    names: tuple[str, ...]
    chunks: int
    vectors: VectorSource | None = None
    segment_chunks: int = SEGMENT_CHUNKS


@dataclass(frozen=True)
class BuildProcess:
    """The process that ran a build: its machine's host name and its process id."""

    host: str
    pid: int


@dataclass(frozen=True)
class IndexResult:
    """The segments the build wrote, oldest first (their headers: the files' list stays on disk).

    ``builder`` is the process that wrote them; ``seals`` are their files' seals (path relative to
    the workspace, size, SHA-256, stamp), made after the last write to each.
    """

    segments: tuple[SegmentHeader, ...]
    builder: BuildProcess
    seals: tuple[Seal, ...] = ()

    @property
    def chunks(self) -> int:
        """Chunks written."""
        return sum(meta.docs for meta in self.segments)

    @property
    def windows(self) -> int:
        """Window vectors written."""
        return sum(meta.windows for meta in self.segments)


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
    """Write every chunk of ``task.files`` into new segments; see the module docstring.

    A missing or damaged cache entry is rebuilt from the file (same content hash required). The
    chunks taken in so far are reported after each file (``task_progress``), and once more before
    the index files are written.
    """
    dense = _DenseFeed(task.vectors) if task.vectors else None
    written: list[SegmentHeader] = []
    seals: list[Seal] = []
    names: Iterator[str] = iter(task.names)
    writer: SegmentWriter | None = None
    taken = 0  # chunks in the segments finished so far
    try:
        for file in task.files:
            entry = chunk_entry(EntryRequest(task.cache, file, task.chunk_size, task.chunk_overlap))
            if not entry.chunks:
                continue  # a file without text holds no chunk: the listing records it, no segment does
            if writer is None:
                name = next(names)
                writer = SegmentWriter(task.workspace / layout.segment_dir(name), name)
            writer.add_file(_file_input(file, entry), _chunks(file, entry, dense))
            report_progress(taken + writer.docs, task.chunks)
            if writer.docs >= task.segment_chunks:
                taken += writer.docs
                written.append(writer.finish().header())
                seals.extend(_sealed(task.workspace, written[-1].name))
                writer = None
        if writer is not None:
            report_progress(taken + writer.docs, task.chunks, final=True)
            written.append(writer.finish().header())
            seals.extend(_sealed(task.workspace, written[-1].name))
    except OSError as exc:
        # numpy reports a short write on a full disk as "N requested and M written", without an errno.
        if exc.errno is None and _nearly_full(task.workspace):
            reason = f"No space left on device while writing the search index ({exc})"
            raise OSError(errno.ENOSPC, reason, str(task.workspace)) from exc
        raise
    finally:
        if dense is not None:
            dense.close()
    return IndexResult(tuple(written), BuildProcess(socket.gethostname(), os.getpid()), tuple(seals))


def _sealed(workspace: Path, name: str) -> list[Seal]:
    """Fsync and checksum every file of the finished segment ``name`` (its seals, path order).

    Raises:
        OSError: a file cannot be read or synced.
    """
    folder = workspace / layout.segment_dir(name)
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return [seal_file(workspace, path.relative_to(workspace).as_posix()) for path in files]


def _file_input(file: IndexedFile, entry: CacheEntry) -> SegmentFileInput:
    return SegmentFileInput(
        path=file.path,
        source=file.source,
        sha256=file.sha256,
        size=file.size,
        stamp=file.stamp,
        pages=entry.pages,
    )


def _chunks(file: IndexedFile, entry: CacheEntry, dense: _DenseFeed | None) -> list[SegmentChunk]:
    chunks = []
    for position, chunk in enumerate(entry.chunks):
        metadata = {"file": file.path, "source": file.source}
        if chunk.page:
            metadata["page"] = chunk.page
        node_id = f"{file.sha256[:16]}-{file.path}-{position}"
        terms = [*_metadata_terms(metadata_str(metadata)), *chunk.terms.split()]
        vectors = dense.vectors(chunk.text, file.path) if dense is not None else None
        chunks.append(SegmentChunk(node_id, corpus_record(node_id, chunk.text, metadata), terms, vectors))
    return chunks


_metadata_term_memo: dict[str, list[str]] = {}


def _metadata_terms(text: str) -> list[str]:
    """The terms of a chunk's metadata lines (memoised: a file's chunks share most of them)."""
    terms = _metadata_term_memo.get(text)
    if terms is None:
        if len(_metadata_term_memo) > 4096:
            _metadata_term_memo.clear()
        terms = _metadata_term_memo[text] = bm25_terms([text])[0].split()
    return terms


class _DenseFeed:
    """Cuts each chunk's windows and reads their vectors from the embedding cache."""

    def __init__(self, source: VectorSource) -> None:
        self._spec = source.spec
        self._tokenizer = load_tokenizer(source.spec.tokenizer_dir)
        self._cache = EmbeddingCache(source.cache_root, source.spec.fingerprint)

    def vectors(self, text: str, path: str) -> np.ndarray | None:
        keys = [window_key(w) for w in chunk_windows(text, self._tokenizer, self._spec.window).texts]
        if not keys:
            return None
        found = self._cache.vectors(keys)
        if len(found) < len(set(keys)):
            raise MissingVectorsError(f"the embedding cache lost vectors of {path}; ingest again")
        return np.stack([found[key] for key in keys])

    def close(self) -> None:
        self._cache.close()


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
            Path(file.location),
            file.path,
            cache.base,
            cache.fingerprint,
            request.chunk_size,
            request.chunk_overlap,
        )
    )
    entry = cache.get(outcome.sha256) if outcome.sha256 == file.sha256 else None
    if entry is None:
        raise SourceChangedError(f"{file.path} changed or became unreadable during ingestion")
    return entry


def warm_index_imports(_: None) -> None:
    """Import what the index build needs, in the worker that will build the index or in a preload.

    The argument is unused: this runs as a worker task (``WorkerPool.prepare``), which takes one.
    """
    import docmind.segments.writer  # noqa: F401
