"""Work done inside a worker process for one file: hash, cache lookup, parse, split, cache write.

The worker returns only counts and the content hash, never the chunks: chunks go to the cache
on disk and the index stage streams them back from there, so the parent's memory does not grow
with the corpus. A stop flag shared with the parent (raised when the job is cancelled, just
before the parent kills its busy workers) is checked between PDF pages; a stopped file returns
``FileStatus.CANCELLED`` and writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from docmind.ingest.bm25_terms import bm25_terms
from docmind.ingest.cache import CachedChunk, CacheEntry, ChunkCache
from docmind.ingest.file_status import FileStatus
from docmind.ingest.parsers import Page, ParseCancelled, ParseError, parse_file
from docmind.ingest.splitter import SentenceTokenSplitter
from docmind.ingest.worker_lifecycle import die_with_parent, ignore_stop_signals

_HASH_BLOCK = 1024 * 1024
_stop_flag: Any = None
_splitter_cache: dict[tuple[int, int], SentenceTokenSplitter] = {}


@dataclass(frozen=True)
class FileTask:
    """What a worker needs to process one file (small and picklable)."""

    path: Path
    rel: str
    cache_root: Path
    fingerprint: str
    chunk_size: int
    chunk_overlap: int
    sha256: str = ""


@dataclass(frozen=True)
class RayWorker:
    """The Ray worker process that parsed a file: the machine, the Ray node and the process id."""

    host: str
    node_id: str
    pid: int


@dataclass(frozen=True)
class FileOutcome:
    """The result of one file; ``error`` is a human reason when ``status`` is failed.

    ``ray_worker`` names the Ray worker that parsed the file (``None``: a worker of this machine).
    """

    rel: str
    status: FileStatus
    sha256: str = ""
    pages: int = 0
    chunks: int = 0
    error: str = ""
    ray_worker: RayWorker | None = None


@dataclass(frozen=True)
class TaskError:
    """A task raised in the worker; ``message`` is ``Type: text`` (never document content)."""

    message: str


def serve(conn: Connection, stop_flag: Any) -> None:
    """Worker main loop: run ``(fn, argument)`` requests from ``conn`` until it closes.

    Every request gets exactly one reply: the result, or a :class:`TaskError`. Stop signals are
    ignored (the parent decides) and the process exits when the parent goes (``worker_lifecycle``).
    """
    global _stop_flag
    ignore_stop_signals()
    die_with_parent(conn)
    _stop_flag = stop_flag
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        fn, argument = request
        try:
            reply = fn(argument)
        except Exception as exc:  # the parent decides what a failure means
            reply = TaskError(f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


def _cancelled() -> bool:
    return _stop_flag is not None and bool(_stop_flag.value)


def process_file(task: FileTask) -> FileOutcome:
    """Process one file; never raises for a bad file (the reason goes into the outcome)."""
    try:
        sha = task.sha256 or file_sha256(task.path)
    except OSError as exc:
        return FileOutcome(
            task.rel, FileStatus.FAILED, error=f"cannot read: {exc.strerror or type(exc).__name__}"
        )
    cache = ChunkCache(task.cache_root, task.fingerprint)
    cached = cache.get(sha)
    if cached is not None:
        return FileOutcome(task.rel, FileStatus.CACHED, sha, cached.pages, len(cached.chunks))
    outcome, entry = parse_document(task.path, task.rel, sha, task.chunk_size, task.chunk_overlap, _cancelled)
    if entry is not None:
        cache.put(entry)
    return outcome


def parse_document(
    path: Path, rel: str, sha: str, chunk_size: int, chunk_overlap: int, cancelled: Callable[[], bool]
) -> tuple[FileOutcome, CacheEntry | None]:
    """Parse and split one file whose content hash is ``sha``; the entry is None unless it is indexed.

    Never raises for a bad file (the reason goes into the outcome); ``cancelled`` is checked between
    PDF pages and makes the outcome ``FileStatus.CANCELLED``.
    """
    try:
        pages = parse_file(path, cancelled)
    except ParseCancelled:
        return FileOutcome(rel, FileStatus.CANCELLED, sha), None
    except ParseError as exc:
        return FileOutcome(rel, FileStatus.FAILED, sha, error=str(exc)), None
    except Exception as exc:  # one bad file must never fail the batch
        return FileOutcome(rel, FileStatus.FAILED, sha, error=f"cannot parse ({type(exc).__name__})"), None
    if cancelled():
        return FileOutcome(rel, FileStatus.CANCELLED, sha), None
    chunks = split_pages(pages, chunk_size, chunk_overlap)
    entry = CacheEntry(sha256=sha, pages=sum(1 for label, _ in pages if label), chunks=chunks)
    return FileOutcome(rel, FileStatus.INDEXED, sha, entry.pages, len(chunks)), entry


def file_sha256(path: Path) -> str:
    """Stream the file through sha256 in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def split_pages(pages: list[Page], chunk_size: int, chunk_overlap: int) -> tuple[CachedChunk, ...]:
    """Split each page with ``SentenceTokenSplitter`` (chunks never span pages; blank pages give none).

    Each chunk carries its BM25 terms, computed here so the index build only adds up terms.
    """
    splitter = _splitter(chunk_size, chunk_overlap)
    pieces = [(label, piece) for label, text in pages for piece in splitter.split_text(text) if piece.strip()]
    terms = bm25_terms([piece for _, piece in pieces])
    return tuple(
        CachedChunk(text=piece, terms=piece_terms, page=label)
        for (label, piece), piece_terms in zip(pieces, terms, strict=True)
    )


def _splitter(chunk_size: int, chunk_overlap: int) -> SentenceTokenSplitter:
    key = (chunk_size, chunk_overlap)
    if key not in _splitter_cache:
        _splitter_cache[key] = SentenceTokenSplitter(chunk_size, chunk_overlap)
    return _splitter_cache[key]


def warm_up() -> None:
    """Load the splitter's token encoder and the BM25 tokenizer once (the forkserver preload).

    Forked workers then start warm instead of loading them on their first page.
    """
    split_pages([("", "Warm up the sentence splitter. " * 400)], 1024, 200)
