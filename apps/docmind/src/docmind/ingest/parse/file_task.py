"""Work done inside a worker process for one file: read, hash, cache lookup, parse, split, cache write.

The worker reads the file once and hashes, parses and caches those same bytes: the hash the
outcome reports (and the listing records) is the hash of what was parsed, even when the file was
saved again after the job hashed it. The worker returns only counts and the content hash, never
the chunks: chunks go to the cache on disk and the index stage streams them back from there, so
the parent's memory does not grow with the corpus. The worker's stop request
(``task_context.stop_requested``: the job was cancelled, and the parent kills its busy workers right
after) is checked between PDF pages; a stopped file returns ``FileStatus.CANCELLED`` and writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docmind.executors import task_context
from docmind.ingest.parse.chunk_cache import CachedChunk, CacheEntry, ChunkCache
from docmind.ingest.parse.parsers import Page, PageProgress, ParseCancelled, ParseError, parse_bytes
from docmind.ingest.parse.splitter import SentenceTokenSplitter
from docmind.segments.bm25_terms import bm25_terms
from docmind.segments.file_status import FileStatus

_splitter_cache: dict[tuple[int, int], SentenceTokenSplitter] = {}


@dataclass(frozen=True)
class FileTask:
    """What a worker needs to process one file (small and picklable).

    ``sha256`` is the hash the job saw (empty if it did not read the file): an executor reports it
    for a file whose worker died. The worker itself reports the hash of the bytes it read.
    """

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

    ``sha256`` is the hash of the bytes that were parsed or found in the cache (the one the listing
    records); for a file whose worker died, the hash the job saw; empty when nothing could be read.
    ``ray_worker`` names the Ray worker that parsed the file (``None``: a worker of this machine).
    """

    rel: str
    status: FileStatus
    sha256: str = ""
    pages: int = 0
    chunks: int = 0
    error: str = ""
    ray_worker: RayWorker | None = None


def process_file(task: FileTask) -> FileOutcome:
    """Process one file; never raises for a bad file (the reason goes into the outcome).

    The file is read once; the cache is looked up and written under the hash of those bytes.
    """
    try:
        data = task.path.read_bytes()
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or type(exc).__name__}"
        return FileOutcome(task.rel, FileStatus.FAILED, error=reason)
    sha = hashlib.sha256(data).hexdigest()
    cache = ChunkCache(task.cache_root, task.fingerprint)
    cached = cache.get(sha)
    if cached is not None:
        return FileOutcome(task.rel, FileStatus.CACHED, sha, cached.pages, len(cached.chunks))
    name, rel = task.path.name, task.rel
    outcome, entry = _parsed(
        name,
        data,
        sha,
        rel,
        task.chunk_size,
        task.chunk_overlap,
        task_context.stop_requested,
        task_context.report_progress,
    )
    if entry is not None:
        cache.put(entry)
    return outcome


def parse_document(
    name: str,
    data: bytes,
    rel: str,
    chunk_size: int,
    chunk_overlap: int,
    cancelled: Callable[[], bool],
    on_page: PageProgress | None = None,
) -> tuple[FileOutcome, CacheEntry | None]:
    """Parse and split ``data``, the content of the file ``name``; the entry is None unless it is indexed.

    The outcome and the entry carry the sha256 of ``data``: whatever is cached is cached under the
    hash of the bytes it came from. Never raises for a bad file (the reason goes into the outcome);
    ``cancelled`` is checked between PDF pages and makes the outcome ``FileStatus.CANCELLED``;
    ``on_page`` hears of every PDF page read.
    """
    sha = hashlib.sha256(data).hexdigest()
    return _parsed(name, data, sha, rel, chunk_size, chunk_overlap, cancelled, on_page)


def _parsed(
    name: str,
    data: bytes,
    sha: str,
    rel: str,
    chunk_size: int,
    chunk_overlap: int,
    cancelled: Callable[[], bool],
    on_page: PageProgress | None = None,
) -> tuple[FileOutcome, CacheEntry | None]:
    """``parse_document`` for a caller that already hashed ``data`` (``sha`` is its sha256)."""
    try:
        pages = parse_bytes(name, data, cancelled, on_page)
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
