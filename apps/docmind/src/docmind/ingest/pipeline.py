"""One ingestion, end to end: scan → parse+split (worker processes, cache) → index → publish.

Contract:
- The snapshot store's writer lock is taken first, so a second ingestion anywhere is refused
  before any work is done.
- Parse, split and embedding run behind the task seam (``docmind.ingest.executor``): worker
  processes here, or Ray (``settings.executor``); the index build runs in a local worker process.
  This thread hashes files, looks up the cache, reports progress, decides on cancel and publishes.
  With Ray, the cluster is reached before anything is read (an unreachable address fails the job).
- Cancellation (``cancel`` event) is honoured between files, between PDF pages (in workers) and
  during the index build (its worker is killed); on cancel the workspace is removed, nothing is
  published and :class:`IngestCancelled` propagates. Finished files stay cached; the temporary
  files of cache writes cut short by a kill are swept once the workers are gone.
- A file that cannot be read is listed as failed with its reason; the rest are indexed. When no
  file could be indexed, :class:`NothingToPublishError` is raised and nothing is published.
- A source root that is missing or unreadable fails the job (:class:`SourceUnavailableError`)
  before anything is read: its files are never dropped silently.
- With embeddings on, the embedder is checked before anything is read (a missing model folder, an
  unreachable endpoint or one that answers unusable vectors fails the job with one line). When the
  index is rebuilt, the embed phase (``embed_phase``) gives every window of every chunk a vector,
  embedding only what the embedding cache lacks, and the index build writes them beside BM25. An
  embedder that fails midway fails the job (nothing published; finished batches stay cached).
- When the corpus indexes exactly what the active snapshot indexes, under the same settings
  (``changes.change_between``), nothing is published: the summary has ``changed=False`` and the
  active snapshot's id, and retention does not run.
- The summary and the published ``corpus.json`` name the files the active snapshot had in its
  index that the new snapshot no longer has (``files_removed``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from docmind_jobs import JobFailed
from docmind_snapshots import SnapshotStore

from docmind.embed.encoders import EmbedRequestError, probe
from docmind.embed.spec import EmbedderUnavailableError, EmbedSpec, embed_spec
from docmind.ingest.cache import ChunkCache, fingerprint
from docmind.ingest.changes import Change, change_between, removed_paths, settings_signature
from docmind.ingest.corpus import Corpus, CorpusFile, Source, scan, unavailable_reason
from docmind.ingest.embed_phase import EmbedResult
from docmind.ingest.executor import task_executor
from docmind.ingest.file_status import FileStatus
from docmind.ingest.index_build import warm_index_imports
from docmind.ingest.index_phase import IndexInputs, index_phase
from docmind.ingest.listing import (
    RACY_MARGIN_NS,
    active_listing,
    known_chunk_counts,
    known_hashes,
    write_listing,
)
from docmind.ingest.parallel import IngestCancelled, WorkerPool
from docmind.ingest.parse_phase import parse_corpus
from docmind.ingest.progress import PHASE_INDEX, PHASE_PARSE, PHASE_PUBLISH, IngestProgress, Reporter
from docmind.ingest.splitter import NAME as SPLITTER
from docmind.ingest.summary import (
    REMOVED_SAMPLE,
    CorpusListing,
    EmbeddingInfo,
    FailedFile,
    FileRecord,
    IngestSummary,
)
from docmind.ingest.worker import FileOutcome
from docmind.segments.manifest import IndexManifest
from docmind.settings import Settings


class NothingToPublishError(JobFailed):
    """No file of the corpus could be indexed; the message lists why (an expected outcome, not a bug)."""


class SourceUnavailableError(JobFailed):
    """A source of the corpus is missing or unreadable; the message names it. Nothing is published."""


def run_ingestion(
    *,
    settings: Settings,
    sources: Sequence[Source],
    store: SnapshotStore,
    cache_root: Path,
    reporter: Reporter,
    cancel: threading.Event,
    owner: str,
) -> IngestSummary:
    """Build and publish a snapshot of ``sources``; see the module docstring for the contract."""
    started = time.monotonic()
    progress = IngestProgress(reporter)
    progress.emit("scanning sources", force=True)
    cache = ChunkCache(cache_root, fingerprint(settings.chunk_size, settings.chunk_overlap))
    with (
        store.begin(owner=owner) as workspace,
        cache.swept(),
        WorkerPool(settings.workers, cancel) as pool,
        task_executor(settings, pool, cancel, progress) as executor,
    ):
        _check_sources(sources)
        spec = _checked_embedder(settings)
        if spec is None:  # with embeddings, the model's worker comes first and the parse workers go
            pool.prepare(warm_index_imports, None)  # the index build's imports overlap the last files
        chunk_settings = (settings.chunk_size, settings.chunk_overlap)
        scanned_ns = time.time_ns()
        corpus = scan(sources, max_file_bytes=settings.max_file_bytes)
        progress.files_total, progress.bytes_total = len(corpus.files), corpus.total_bytes
        progress.phase = PHASE_PARSE
        progress.emit(f"{len(corpus.files)} files to ingest", force=True)
        active = active_listing(store)
        previous = active[1] if active else None
        known = known_chunk_counts(previous, settings.chunk_size, settings.chunk_overlap)
        hashes = known_hashes(previous, corpus)
        outcomes = parse_corpus(corpus, cache, settings, progress, executor, cancel, known, hashes)
        records = _records(corpus, outcomes, scanned_ns)
        ingested = [r for r in records if r.status.is_ingested]
        if not ingested:
            raise NothingToPublishError(_nothing_reason(records))
        progress.phase = PHASE_INDEX
        removed = removed_paths(previous, (r.path for r in records if r.status != FileStatus.SKIPPED))
        progress.files_removed = len(removed)
        listing = CorpusListing(
            splitter=SPLITTER,
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            settings=settings_signature(settings, spec.fingerprint if spec else None),
            scanned_ns=scanned_ns,
            files=tuple(records),
            removed=tuple(removed),
        )
        change = change_between(previous, listing)
        if change is Change.NONE and active is not None:
            if cancel.is_set():
                raise IngestCancelled
            workspace.abort()  # nothing to publish: the active snapshot stays, retention does not run
            return _unchanged(active[0], active[1], records, progress, started)
        inputs = IndexInputs(
            store, workspace, cache, cache_root, chunk_settings, spec, pool, executor, progress, cancel
        )
        locations = {f.rel: f.path for f in corpus.files}
        indexed = index_phase(inputs, active, listing, ingested, locations)
        embedded = indexed.embedded
        if spec is not None and indexed.change.manifest.dims:
            embedding = _embedding_info(spec, embedded, indexed.change.manifest, previous)
            listing = listing.model_copy(update={"embedding": embedding})
        write_listing(workspace.path, listing)
        workspace.seal_all()  # hash the finished files now: publishing is then renames, not reads
        progress.phase = PHASE_PUBLISH
        progress.item = None
        progress.emit("publishing the snapshot", force=True)
        if cancel.is_set():
            raise IngestCancelled
        summary = _summary(records, removed, progress, started, listing.embedding, embedded)
        metadata = summary.model_dump(
            exclude={"event", "snapshot_id", "changed", "files_failed", "files_removed_sample"}
        )
        info = workspace.commit(metadata)
    summary = summary.model_copy(
        update={"snapshot_id": info.id, "seconds": round(time.monotonic() - started, 3)}
    )
    progress.emit(f"published {info.id}", force=True)
    return summary


def _check_sources(sources: Sequence[Source]) -> None:
    for source in sources:
        reason = unavailable_reason(source.path)
        if reason:
            raise SourceUnavailableError(
                f"source {source.path} cannot be read: {reason} (restore it, or remove it from the sources)"
            )


def _checked_embedder(settings: Settings) -> EmbedSpec | None:
    """The job's embedder, checked before any work (an endpoint must answer a probe)."""
    spec = embed_spec(settings)
    if spec is not None and spec.kind == "http":
        try:
            probe(spec)
        except EmbedRequestError as exc:
            raise EmbedderUnavailableError(f"{exc} (DOCMIND_EMBED_URL)") from exc
    return spec


def _embedding_info(
    spec: EmbedSpec, embedded: EmbedResult | None, manifest: IndexManifest, previous: CorpusListing | None
) -> EmbeddingInfo:
    """The embedder and vectors of the new snapshot (coverage: this run's, else the active one's)."""
    coverage = embedded.coverage if embedded is not None else 1.0
    if embedded is None and previous is not None and previous.embedding is not None:
        coverage = previous.embedding.coverage
    return EmbeddingInfo(
        kind=spec.kind,
        model=spec.model,
        url=spec.url,
        name=spec.name,
        identity=spec.identity,
        fingerprint=spec.fingerprint,
        window=spec.window,
        tokenizer_dir=str(spec.tokenizer_dir),
        dims=manifest.dims,
        windows=manifest.live_windows,
        coverage=coverage,
    )


def _unchanged(
    active_id: str,
    previous: CorpusListing,
    records: list[FileRecord],
    progress: IngestProgress,
    started: float,
) -> IngestSummary:
    progress.phase = PHASE_PUBLISH
    progress.item = None
    progress.changed = False
    progress.emit(f"nothing changed; {active_id} stays active", force=True)
    summary = _summary(records, [], progress, started, previous.embedding, None)
    return summary.model_copy(update={"snapshot_id": active_id, "changed": False})


def _records(corpus: Corpus, outcomes: dict[str, FileOutcome], scanned_ns: int) -> list[FileRecord]:
    records = [_record(f, outcomes[f.rel], scanned_ns) for f in corpus.files]
    records.extend(
        FileRecord(path=s.rel, source=s.source, status=FileStatus.SKIPPED, error=s.reason)
        for s in corpus.skipped
    )
    return records


def _record(file: CorpusFile, outcome: FileOutcome, scanned_ns: int) -> FileRecord:
    """The file's record; its stamp only when trustworthy (not changed just before the scan: ``listing``)."""
    racy = file.changed_ns >= scanned_ns - RACY_MARGIN_NS
    return FileRecord(
        path=file.rel,
        source=file.source,
        sha256=outcome.sha256,
        size=file.size,
        stamp="" if racy else file.stamp,
        pages=outcome.pages,
        chunks=outcome.chunks,
        status=outcome.status,
        error=outcome.error,
    )


def _summary(
    records: list[FileRecord],
    removed: list[str],
    progress: IngestProgress,
    started: float,
    embedding: EmbeddingInfo | None,
    embedded: EmbedResult | None,
) -> IngestSummary:
    """The job's summary; without an embed phase (reuse, nothing changed) every window counts as cached."""
    windows = embedding.windows if embedding else 0
    return IngestSummary(
        snapshot_id=None,
        changed=True,
        files_total=progress.files_total,
        files_indexed=sum(r.status == FileStatus.INDEXED for r in records),
        files_cached=sum(r.status == FileStatus.CACHED for r in records),
        files_failed=[
            FailedFile(path=r.path, error=r.error) for r in records if r.status == FileStatus.FAILED
        ],
        files_skipped=sum(r.status == FileStatus.SKIPPED for r in records),
        files_removed=len(removed),
        files_removed_sample=removed[:REMOVED_SAMPLE],
        chunks=sum(r.chunks for r in records if r.status.is_ingested),
        embed_model=embedding.name if embedding else None,
        embed_window=embedding.window if embedding else 0,
        windows_total=windows,
        windows_embedded=embedded.windows_embedded if embedded else 0,
        windows_cached=windows - (embedded.windows_embedded if embedded else 0),
        coverage=embedding.coverage if embedding else None,
        embed_seconds=embedded.seconds if embedded else 0.0,
        seconds=round(time.monotonic() - started, 3),
    )


def _nothing_reason(records: list[FileRecord]) -> str:
    failed = [r for r in records if r.status == FileStatus.FAILED]
    if not records:
        return "nothing to ingest: no supported documents were found"
    if failed:
        first = failed[0]
        return f"no file could be indexed ({len(failed)} failed; first: {first.path}: {first.error})"
    return "nothing to ingest: every file found was skipped"
