"""The DocMind service: one data dir, its snapshot store, job registry, sources and job manager.

Both faces use it: the Streamlit app holds one per process (see ``docmind.ui.runtime``) and the
CLI's ``ingest``, ``sources`` and ``jobs`` open one per command (its snapshot commands open the
snapshot store alone, ``docmind.snapshot_store``). Opening runs recovery (snapshot store and job
registry) first. It imports no stage of the ingestion beyond the scan: the pipeline is imported by
each ingestion (``docmind.ingest.pipeline.run_ingestion``, looked up then), the index listing by
``removed_by``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from docmind_jobs import (
    JobCancelled,
    JobConflictError,
    JobContext,
    JobManager,
    JobRecord,
    JobRegistry,
    RegistryError,
)
from docmind_snapshots import WriterBusyError

from docmind.datadir import unusable
from docmind.executors.errors import IngestCancelled
from docmind.ingest.scan.corpus import Source, scan
from docmind.settings import Settings
from docmind.snapshot_store import open_snapshot_store
from docmind.sources import DOCUMENTS_LABEL, SourceRegistry, free_label

if TYPE_CHECKING:
    from docmind.ingest.publish.summary import IngestSummary

_OUTCOMES_KEPT = 16
INGEST_KIND = "ingest"
INDEX_KEY = "index"


class IngestionBusyError(Exception):
    """Another ingestion holds the index; the message names it."""


class DocMind:
    """The domain entry point for one data dir; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data, self.store = open_snapshot_store(settings)
        try:
            self.registry = JobRegistry(self.data.jobs_db, ttl=timedelta(days=settings.job_history_days))
            self.library = SourceRegistry(
                self.data.sources_db, data_root=self.data.root, environment=settings.library_dirs
            )
        except (OSError, sqlite3.Error, RegistryError) as exc:
            raise unusable(self.data.root, exc) from exc
        self.jobs = JobManager(max_workers=2, registry=self.registry)
        self._summaries: OrderedDict[str, IngestSummary | BaseException] = OrderedDict()
        self._lock = threading.Lock()

    def sources(self) -> list[Source]:
        """The corpus: the managed documents folder, the registered sources and the environment's."""
        return [Source(self.data.documents, DOCUMENTS_LABEL), *(s.as_source() for s in self.library.all())]

    def only_sources(self, paths: Sequence[Path]) -> list[Source]:
        """Scan roots for a one-off ingestion of exactly ``paths`` (files or folders).

        A path that is a source keeps that source's label, so its files keep their names; any other
        path is labelled by its folder's name (a file by its parent's), made unique.
        """
        known = {s.path: s.label for s in self.library.all()}
        roots, taken = [], {DOCUMENTS_LABEL, *known.values()}
        for path in paths:
            resolved = path.resolve()
            label = known.get(resolved) or free_label(
                resolved if resolved.is_dir() else resolved.parent, taken
            )
            taken.add(label)
            roots.append(Source(path, label))
        return roots

    def removed_by(self, sources: Sequence[Source]) -> list[str]:
        """Files of the active snapshot's index that an ingestion of exactly ``sources`` would drop."""
        from docmind.ingest.index.listing import active_listing
        from docmind.ingest.publish.changes import removed_paths

        active = active_listing(self.store)
        corpus = scan(sources, max_file_bytes=self.settings.max_file_bytes)
        return removed_paths(active[1] if active else None, (f.rel for f in corpus.files))

    def active_ingestion(self) -> JobRecord | None:
        """The ingestion job running anywhere on this data dir (this process or another)."""
        return self.jobs.active(INDEX_KEY)

    def latest_ingestion(self) -> JobRecord | None:
        """The running ingestion if any, else the most recent one (from any process)."""
        active = self.active_ingestion()
        if active is not None:
            return active
        return next((r for r in self.jobs.list(limit=20) if r.kind == INGEST_KIND), None)

    def start_ingestion(self, only: Sequence[Path] | None = None, *, owner: str = "app") -> str:
        """Submit an ingestion of the corpus (or, with ``only``, of exactly those paths); return its id.

        Raises:
            IngestionBusyError: another ingestion is queued or running; the message names it.
        """
        sources = self.sources() if only is None else self.only_sources(only)

        def ingest(ctx: JobContext) -> str | None:
            return self._run(ctx, sources)

        try:
            return self.jobs.submit(INGEST_KIND, ingest, exclusive_key=INDEX_KEY, owner=owner)
        except JobConflictError as exc:
            raise IngestionBusyError(str(exc)) from exc

    def _run(self, ctx: JobContext, sources: list[Source]) -> str | None:
        from docmind.ingest.pipeline import run_ingestion

        try:
            summary = run_ingestion(
                settings=self.settings,
                sources=sources,
                store=self.store,
                cache_root=self.data.cache,
                reporter=ctx,
                cancel=ctx.cancel_event,
                owner=f"ingestion job {ctx.job_id}",
            )
        except IngestCancelled as exc:
            raise JobCancelled("ingestion cancelled; nothing was published") from exc
        except WriterBusyError as exc:
            self._remember(ctx.job_id, exc)
            raise IngestionBusyError(f"another ingestion holds the index: {exc}") from exc
        except BaseException as exc:
            self._remember(ctx.job_id, exc)
            raise
        self._remember(ctx.job_id, summary)
        return summary.snapshot_id

    def _remember(self, job_id: str, outcome: IngestSummary | BaseException) -> None:
        with self._lock:
            self._summaries[job_id] = outcome
            while len(self._summaries) > _OUTCOMES_KEPT:
                self._summaries.popitem(last=False)

    def outcome(self, job_id: str) -> IngestSummary | BaseException | None:
        """The summary (or the exception) of an ingestion run by this process."""
        with self._lock:
            return self._summaries.get(job_id)

    def close(self, timeout: float = 3.0) -> None:
        """Cancel running jobs, wait up to ``timeout`` and release resources."""
        self.jobs.shutdown(timeout)
