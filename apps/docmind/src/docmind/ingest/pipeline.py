"""One ingestion, end to end: scan → parse+split (worker processes, cache) → index → publish.

Contract:
- The snapshot store's writer lock is taken first, so a second ingestion anywhere is refused
  before any work is done.
- Parse, split and embedding run behind the task seam (``docmind.executors.seam``): worker
  processes here, or Ray (``settings.executor``); so does the index build when Ray's workers share
  this machine's storage (``DOCMIND_RAY_DOCUMENTS=shared``), else it runs in local worker processes.
  This thread hashes files, looks up the cache, reports progress, decides on cancel and publishes.
  With Ray, the cluster is reached before anything is read (an unreachable address fails the job).
- Cancellation (``cancel`` event) is honoured at every step until the publish: between folders and
  files of the scan, between blocks of a model file being hashed, between files (hashing, parsing),
  between PDF pages (in workers), between embedding batches, during the index build (its workers
  are killed) and between files of the seal. On cancel the workspace is removed, nothing is published
  and :class:`IngestCancelled` propagates. Finished files stay cached; the temporary files of
  cache writes cut short by a kill are swept once the workers are gone. The publish itself (a
  rename and the ``CURRENT`` replace) is the point of no return: a cancel that comes during it or
  after it (during the retention that follows) changes nothing, the snapshot is published and
  the job succeeds. The endpoint probe at the start is not interrupted (it times out after
  ``PROBE_TIMEOUT_S``).
- A file that cannot be read is listed as failed with its reason; the rest are indexed. When no
  file could be indexed, :class:`NothingToPublishError` is raised and nothing is published.
- A source root that is missing or unreadable fails the job (:class:`SourceUnavailableError`)
  before anything is read: its files are never dropped silently.
- With embeddings on, the embedder is checked and identified before anything is read (a missing
  model folder, an unreachable endpoint or one that answers unusable vectors fails the job with one
  line; ``docmind.embed.identity`` says what identifies a model). When the
  index is rebuilt, the embed phase (``embed_phase``) gives every window of every chunk a vector,
  embedding only what the embedding cache lacks, and the index build writes them beside BM25. An
  embedder that fails midway fails the job (nothing published; finished batches stay cached).
- When the corpus indexes exactly what the active snapshot indexes, under the same settings
  (``changes.change_between``), nothing is published: the summary has ``changed=False`` and the
  active snapshot's id, and retention does not run.
- The summary and the published ``corpus.json`` name the files the active snapshot had in its
  index that the new snapshot no longer has (``files_removed``), those it did not have
  (``files_added``) and those whose content changed (``files_changed``). The summary also names the
  skipped files with their reasons and the source folders in which the scan found nothing; when
  no file could be indexed at all, the failure names those folders. The summary (also the
  snapshot's metadata) names the Ray workers that parsed files (``ray_workers``) and the processes
  that built the new segments (``index_builders``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from docmind_jobs import JobFailed
from docmind_snapshots import SnapshotStore

from docmind.embed.identity import identified
from docmind.embed.spec import EmbedSpec, embed_spec
from docmind.executors.errors import IngestCancelled
from docmind.executors.seam import index_libraries_preloaded, local_workers, task_executor
from docmind.ingest.embed.calls import load_encoder
from docmind.ingest.embed.phase import EmbedResult
from docmind.ingest.index.build import warm_index_imports
from docmind.ingest.index.listing import active_listing, known_chunk_counts, write_listing
from docmind.ingest.index.phase import IndexInputs, index_phase
from docmind.ingest.parse.chunk_cache import ChunkCache, fingerprint
from docmind.ingest.parse.file_task import FileOutcome
from docmind.ingest.parse.phase import parse_corpus
from docmind.ingest.parse.splitter import NAME as SPLITTER
from docmind.ingest.progress.tracker import PHASE_INDEX, PHASE_PUBLISH, IngestProgress, Reporter
from docmind.ingest.publish.changes import (
    Change,
    added_and_changed,
    change_between,
    removed_paths,
    settings_signature,
)
from docmind.ingest.publish.summary import (
    SAMPLE,
    FailedFile,
    IndexBuilder,
    IngestSummary,
    SkippedNote,
    ray_workers_of,
)
from docmind.ingest.scan.content_hashes import is_racy, known_hashes
from docmind.ingest.scan.corpus import Corpus, CorpusFile, Source, scan, unavailable_reason
from docmind.segments.corpus_listing import CorpusListing, EmbeddingInfo, FileRecord
from docmind.segments.file_status import FileStatus
from docmind.segments.manifest import IndexManifest
from docmind.settings import Settings

_NOT_IN_MANIFEST = {
    "event",
    "snapshot_id",
    "changed",
    "files_failed",
    "files_removed_sample",
    "files_added_sample",
    "files_changed_sample",
    "files_skipped_sample",
    "empty_sources",
}
"""Summary fields left out of the snapshot's manifest metadata (lists: ``corpus.json`` holds them whole)."""


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
    progress = IngestProgress(reporter, slots=settings.workers)
    progress.emit("scanning sources", force=True)
    cache = ChunkCache(cache_root, fingerprint(settings.chunk_size, settings.chunk_overlap))
    with (
        store.begin(owner=owner) as workspace,
        cache.swept(),
        local_workers(settings.workers, cancel) as pool,
        task_executor(settings, pool, cancel, progress) as executor,
    ):
        progress.slots = executor.slots  # Ray's window is known once connected
        checkpoint = _checkpoint(cancel)
        _check_sources(sources)
        spec = _checked_embedder(settings, cache_root, checkpoint)
        # The last files' parsing overlaps what comes next: the embedding model loads in the worker
        # that will embed, or the index build's imports in the one that will build.
        if spec is not None:
            pool.prepare(load_encoder, spec)
        else:
            pool.prepare(warm_index_imports, None)
        if not index_libraries_preloaded():  # the build's worker imports them: the ETA counts it
            progress.index_needs_imports("vectors" if spec is not None else "bm25")
        chunk_settings = (settings.chunk_size, settings.chunk_overlap)
        scanned_ns = time.time_ns()
        corpus = scan(
            sources,
            max_file_bytes=settings.max_file_bytes,
            on_found=lambda found: progress.emit(f"scanning sources ({found:,} files found)"),
            checkpoint=checkpoint,
        )
        progress.files_skipped, progress.sources_empty = len(corpus.skipped), len(corpus.empty_sources)
        active = active_listing(store)
        previous = active[1] if active else None
        known = known_chunk_counts(previous, settings.chunk_size, settings.chunk_overlap)
        hashes = known_hashes(previous, corpus)
        outcomes = parse_corpus(corpus, cache, settings, progress, executor, cancel, known, hashes)
        records = _records(corpus, outcomes, scanned_ns)
        ingested = [r for r in records if r.status.is_ingested]
        if not ingested:
            raise NothingToPublishError(_nothing_reason(records, corpus.empty_sources))
        progress.phase = PHASE_INDEX
        removed = removed_paths(previous, (r.path for r in records if r.status != FileStatus.SKIPPED))
        added, changed = added_and_changed(previous, ((r.path, r.sha256) for r in ingested))
        progress.files_removed, progress.files_added, progress.files_changed = (
            len(removed),
            len(added),
            len(changed),
        )
        listing = CorpusListing(
            splitter=SPLITTER,
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            settings=settings_signature(settings, spec.fingerprint if spec else None),
            scanned_ns=scanned_ns,
            files=tuple(records),
            removed=tuple(removed),
            added=tuple(added),
            changed=tuple(changed),
        )
        change = change_between(previous, listing)
        if change is Change.NONE and active is not None:
            if cancel.is_set():
                raise IngestCancelled
            workspace.abort()  # nothing to publish: the active snapshot stays, retention does not run
            return _unchanged(active[0], active[1], records, outcomes, corpus, progress, started)
        inputs = IndexInputs(
            store, workspace, cache, cache_root, chunk_settings, spec, pool, executor, progress, cancel
        )
        locations = {f.rel: f.location for f in corpus.files}
        indexed = index_phase(inputs, active, listing, ingested, locations)
        embedded = indexed.embedded
        if spec is not None and indexed.change.manifest.dims:
            embedding = _embedding_info(spec, embedded, indexed.change.manifest, previous)
            listing = listing.model_copy(update={"embedding": embedding})
        write_listing(workspace.path, listing)
        progress.emit("checksumming the snapshot's files", force=True)
        workspace.seal_all(checkpoint)  # hash the finished files now: publishing is then renames, not reads
        progress.phase = PHASE_PUBLISH
        progress.item = None
        progress.emit("publishing the snapshot", force=True)
        if cancel.is_set():
            raise IngestCancelled
        summary = _summary(records, outcomes, listing, corpus, progress, started, embedded)
        builders = [IndexBuilder(host=p.host, pid=p.pid, segments=n) for p, n in indexed.builders]
        summary = summary.model_copy(update={"index_builders": builders})
        metadata = summary.model_dump(exclude=_NOT_IN_MANIFEST)
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


def _checkpoint(cancel: threading.Event) -> Callable[[], None]:
    """A check for the steps that take no cancel event (scan, model hashing, seal): raises on cancel."""

    def checkpoint() -> None:
        if cancel.is_set():
            raise IngestCancelled

    return checkpoint


def _checked_embedder(
    settings: Settings, cache_root: Path, checkpoint: Callable[[], None]
) -> EmbedSpec | None:
    """The job's embedder, checked and identified before any work (an endpoint must answer a probe)."""
    spec = embed_spec(settings)
    return identified(spec, cache_root, checkpoint) if spec is not None else None


def _embedding_info(
    spec: EmbedSpec, embedded: EmbedResult | None, manifest: IndexManifest, previous: CorpusListing | None
) -> EmbeddingInfo:
    """The embedder and vectors of the new snapshot (coverage: this run's, else the active one's)."""
    coverage = embedded.coverage if embedded is not None else 1.0
    if embedded is None and previous is not None and previous.embedding is not None:
        coverage = previous.embedding.coverage
    earlier = previous.embedding.runtimes if previous is not None and previous.embedding is not None else ()
    now = (embedded.runtime,) if embedded is not None and embedded.runtime else ()
    runtimes = tuple(dict.fromkeys(earlier + now))
    return EmbeddingInfo(
        kind=spec.kind,
        model=spec.model,
        url=spec.url,
        name=spec.name,
        identity=spec.identity,
        fingerprint=spec.fingerprint,
        window=spec.window,
        tokenizer_dir=str(spec.tokenizer_dir),
        canary=spec.canary,
        dims=manifest.dims,
        windows=manifest.live_windows,
        coverage=coverage,
        runtimes=runtimes,
    )


def _unchanged(
    active_id: str,
    previous: CorpusListing,
    records: list[FileRecord],
    outcomes: dict[str, FileOutcome],
    corpus: Corpus,
    progress: IngestProgress,
    started: float,
) -> IngestSummary:
    progress.phase = PHASE_PUBLISH
    progress.item = None
    progress.changed = False
    progress.emit(f"nothing changed; {active_id} stays active", force=True)
    nothing_new = previous.model_copy(update={"added": (), "changed": (), "removed": ()})
    summary = _summary(records, outcomes, nothing_new, corpus, progress, started, None)
    return summary.model_copy(update={"snapshot_id": active_id, "changed": False})


def _records(corpus: Corpus, outcomes: dict[str, FileOutcome], scanned_ns: int) -> list[FileRecord]:
    records = [_record(f, outcomes[f.rel], scanned_ns) for f in corpus.files]
    records.extend(
        FileRecord(path=s.rel, source=s.source, status=FileStatus.SKIPPED, error=s.reason)
        for s in corpus.skipped
    )
    return records


def _record(file: CorpusFile, outcome: FileOutcome, scanned_ns: int) -> FileRecord:
    """The file's record; its stamp only when trustworthy (not racy: ``content_hashes``)."""
    racy = is_racy(file, scanned_ns)
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
    outcomes: dict[str, FileOutcome],
    listing: CorpusListing,
    corpus: Corpus,
    progress: IngestProgress,
    started: float,
    embedded: EmbedResult | None,
) -> IngestSummary:
    """The job's summary; without an embed phase (reuse, nothing changed) every window counts as cached."""
    embedding = listing.embedding
    windows = embedding.windows if embedding else 0
    skipped = [r for r in records if r.status == FileStatus.SKIPPED]
    return IngestSummary(
        snapshot_id=None,
        changed=True,
        files_total=progress.files_total,
        files_indexed=sum(r.status == FileStatus.INDEXED for r in records),
        files_cached=sum(r.status == FileStatus.CACHED for r in records),
        files_failed=[
            FailedFile(path=r.path, error=r.error) for r in records if r.status == FileStatus.FAILED
        ],
        files_skipped=len(skipped),
        files_skipped_sample=[SkippedNote(path=r.path, reason=r.error) for r in skipped[:SAMPLE]],
        files_added=len(listing.added),
        files_added_sample=list(listing.added[:SAMPLE]),
        files_changed=len(listing.changed),
        files_changed_sample=list(listing.changed[:SAMPLE]),
        files_removed=len(listing.removed),
        files_removed_sample=list(listing.removed[:SAMPLE]),
        empty_sources=list(corpus.empty_sources),
        chunks=sum(r.chunks for r in records if r.status.is_ingested),
        embed_model=embedding.name if embedding else None,
        embed_window=embedding.window if embedding else 0,
        windows_total=windows,
        windows_embedded=embedded.windows_embedded if embedded else 0,
        windows_cached=windows - (embedded.windows_embedded if embedded else 0),
        coverage=embedding.coverage if embedding else None,
        embed_seconds=embedded.seconds if embedded else 0.0,
        embed_runtime=embedded.runtime if embedded else "",
        ray_workers=ray_workers_of(outcomes.values()),
        seconds=round(time.monotonic() - started, 3),
    )


def _nothing_reason(records: list[FileRecord], empty_sources: Sequence[str]) -> str:
    failed = [r for r in records if r.status == FileStatus.FAILED]
    empty = (
        f" ({'; '.join(f'source folder {path} is empty' for path in empty_sources)})" if empty_sources else ""
    )
    if not records:
        return f"nothing to ingest: no supported documents were found{empty}"
    if failed:
        first = failed[0]
        return f"no file could be indexed ({len(failed)} failed; first: {first.path}: {first.error})"
    skipped = records[0]
    return (
        f"nothing to ingest: every file found was skipped ({len(records)}; first: {skipped.path}: "
        f"{skipped.error}){empty}"
    )
