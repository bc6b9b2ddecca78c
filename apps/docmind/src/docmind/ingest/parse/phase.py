"""The parse phase: hash every file, take what is already known, send the rest to the workers.

Three sources answer for a file, cheapest first: the active snapshot's listing (same content under
the same chunk settings: its counts are reused without reading anything), the chunk cache (an
entry for this content), and finally a worker process that parses and splits it. Files are
hashed here, in the job thread, while the workers parse earlier files; a file whose scan stamp
the active snapshot recorded keeps that snapshot's hash and is not read at all.

Progress names what is happening: "starting workers" while the first worker process starts,
then every file handed to a worker (with its size and running time) until its outcome arrives;
a long PDF moves page by page as the worker reads it (``task_progress``, local workers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from docmind.executors.errors import IngestCancelled
from docmind.executors.seam import TaskExecutor
from docmind.executors.task_context import TAKEN, TaskProgress
from docmind.ingest.parse.chunk_cache import ChunkCache
from docmind.ingest.parse.file_task import FileOutcome, FileTask
from docmind.ingest.progress.tracker import IngestProgress
from docmind.ingest.scan.content_hashes import file_sha256
from docmind.ingest.scan.corpus import Corpus
from docmind.segments.file_status import FileStatus
from docmind.settings import Settings


def parse_corpus(
    corpus: Corpus,
    cache: ChunkCache,
    settings: Settings,
    progress: IngestProgress,
    executor: TaskExecutor,
    cancel: threading.Event,
    known: dict[str, tuple[int, int]],
    hashes: dict[str, str],
) -> dict[str, FileOutcome]:
    """Return an outcome per corpus file (by relative name), reporting progress as they arrive.

    Args:
        corpus: The files to ingest.
        cache: The chunk cache for the current chunk settings.
        settings: Chunk settings and limits.
        progress: Totals to update and report.
        executor: Where the misses are parsed (worker processes, or Ray).
        cancel: Checked between files; workers see it between PDF pages.
        known: Content hash → (pages, chunks) already published under the current chunk settings.
        hashes: Relative name → content hash of files known to be unchanged (they are not read).

    Raises:
        IngestCancelled: the cancel event was set.
    """
    by_rel = {f.rel: f for f in corpus.files}
    outcomes: dict[str, FileOutcome] = {}
    # Files the active snapshot holds unchanged come from it without a worker: they cost no time.
    progress.start_parse(
        {f.rel: f.size for f in corpus.files}, (r for r, sha in hashes.items() if sha in known)
    )
    progress.emit(f"{len(corpus.files)} files to ingest", force=True)

    def record(outcome: FileOutcome) -> None:
        outcomes[outcome.rel] = outcome
        size = by_rel[outcome.rel].size
        progress.file_done(outcome.rel, size, outcome.status, outcome.pages, outcome.chunks)

    def page_read(rel: str, read: TaskProgress) -> None:
        if read == TAKEN:
            progress.item_taken(rel)
        else:
            progress.page_read(rel, read.done, read.total)

    def misses() -> Iterator[FileTask]:
        for file in corpus.files:
            if cancel.is_set():
                raise IngestCancelled
            try:
                sha = hashes.get(file.rel) or file_sha256(file.path)
            except OSError as exc:
                reason = f"cannot read: {exc.strerror or 'I/O error'}"
                record(FileOutcome(file.rel, FileStatus.FAILED, error=reason))
                continue
            counts = known.get(sha)
            if counts is None:
                entry = cache.get(sha)
                counts = (entry.pages, len(entry.chunks)) if entry is not None else None
            if counts is not None:
                record(FileOutcome(file.rel, FileStatus.CACHED, sha, *counts))
                continue
            progress.start_item(file.rel, file.size)
            if executor.worker_count == 0:
                progress.emit("starting workers", force=True)
            yield FileTask(
                file.path,
                file.rel,
                cache.base,
                cache.fingerprint,
                settings.chunk_size,
                settings.chunk_overlap,
                sha,
            )

    for outcome in executor.process_files(misses(), page_read):
        if outcome.status == FileStatus.CANCELLED:
            raise IngestCancelled
        if progress.note == "starting workers":
            progress.note = "parsing and splitting"
        record(outcome)
    if cancel.is_set():
        raise IngestCancelled
    # The throttle may have swallowed the last file's event: the final counts are always reported.
    progress.item = None
    progress.emit(f"{progress.files_done} files parsed", force=True)
    return outcomes
