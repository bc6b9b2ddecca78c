"""Progress bookkeeping for one ingestion: counts, throughput, items in flight, ETA, and a throttle.

Counts reported in every event: ``files_done``, ``files_total``, ``files_cached``, ``files_failed``,
``files_skipped``, ``chunks``, ``files_removed``, ``files_added``, ``files_changed``,
``sources_empty``, ``changed`` (0 once the job found nothing to publish), ``bytes_done``,
``bytes_total``, ``elapsed_s``, ``files_per_s``, ``bytes_per_s``, ``windows_done``,
``windows_total``, ``windows_cached``, ``index_done``, ``index_total``, ``slots``; during the embed
phase also ``windows_per_s``; and ``eta_s`` whenever an estimate is meaningful
(``docmind.ingest.progress.eta``).

``slots`` is how many items may be in flight at once (the executor's workers, or Ray's window of
tasks): viewers draw one line per slot, so what they show keeps its size while items come and go.

``bytes_done`` counts the bytes of finished files plus the part of each file in flight a worker
has read (the pages of a long PDF), so a single large file moves the bar page by page.
Windows (the embed phase's units): ``windows_done`` counts every window finished, computed or
taken from the embedding cache; ``windows_cached`` is the part of it that came from the cache.
``index_done`` / ``index_total`` count the chunks the index build has taken in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from docmind.executors.task_context import TaskProgress
from docmind.ingest.progress.eta import EtaEstimator, RateWindow
from docmind.ingest.progress.work_costs import ParseCosts
from docmind.segments.file_status import FileStatus

PHASE_SCAN = "scan"
PHASE_PARSE = "parse"
PHASE_EMBED = "embed"
PHASE_INDEX = "index"
PHASE_MERGE = "merge"
PHASE_PUBLISH = "publish"

MIN_INTERVAL = 0.1
INDEX_SECONDS_PER_CHUNK = 0.0003
"""The index build's seconds per chunk when no file was parsed to measure this machine by."""
INDEX_WRITE_SHARE = 0.3
"""Writing the index files after the last chunk, as a share of the time taking the chunks in."""
INDEX_MIN_SECONDS = 0.3
"""The index build must have reported this long before its own rate replaces the prediction."""
INDEX_IMPORT_SECONDS = {"bm25": 0.8, "vectors": 4.0}
"""Seconds one reference worker spends importing the index build's libraries (BM25; with vectors,
FAISS and LlamaIndex's store too) when its worker server did not preload them (``docmind ingest``)."""


class Reporter(Protocol):
    """What the engine needs from a job context to report progress."""

    def report(
        self,
        phase: str,
        *,
        done: int | None = None,
        total: int | None = None,
        message: str = "",
        item: str | None = None,
        counts: dict[str, int | float] | None = None,
        in_flight: Sequence[tuple[str, int, float]] = (),
    ) -> None:
        """Publish one progress event."""


@dataclass
class IngestProgress:
    """Running totals of one ingestion; ``emit`` reports at most every 0.1 s unless forced.

    ``files_removed``, ``files_added`` and ``files_changed`` (known from the index phase on),
    ``files_skipped`` and ``sources_empty`` (from the scan on) and ``changed`` (0 once the job
    found nothing to publish) ride in every event's counts, so the last event tells viewers how
    the job ended. The event's message is the last one given to ``emit`` (what the job is doing:
    "scanning sources", "loading the embedding model"…); items handed to workers (files, the
    embedding model while it loads) are listed with their size and running time until they finish
    (``start_item`` / ``finish_item``); ``slots`` says how many may be at once.
    """

    reporter: Reporter
    slots: int = 1
    files_total: int = 0
    bytes_total: int = 0
    files_done: int = 0
    bytes_done: int = 0
    files_cached: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    chunks: int = 0
    files_removed: int = 0
    files_added: int = 0
    files_changed: int = 0
    sources_empty: int = 0
    windows_total: int = 0
    windows_done: int = 0
    windows_cached: int = 0
    index_total: int = 0
    index_done: int = 0
    changed: bool = True
    phase: str = PHASE_SCAN
    item: str | None = None
    note: str = ""
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    in_flight: dict[str, tuple[int, float]] = field(default_factory=dict)
    _read: dict[str, float] = field(default_factory=dict)
    _last_emit: float = field(default=-1.0)
    _eta: EtaEstimator = field(default_factory=EtaEstimator)
    _costs: ParseCosts = field(default_factory=ParseCosts)
    _embedding: bool = False
    _embed_rate: RateWindow = field(default_factory=RateWindow)
    _plan_seconds: float = 0.0
    _index_rate: RateWindow = field(default_factory=RateWindow)
    _index_started: float = 0.0
    _index_predicted: float = 0.0
    _index_imports: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.clock()

    def start_parse(self, sizes: dict[str, int], cached: Iterable[str] = ()) -> None:
        """Enter the parse phase with the files to ingest (name → bytes); ``cached`` ones need no worker."""
        self.phase = PHASE_PARSE
        self.files_total, self.bytes_total = len(sizes), sum(sizes.values())
        self._costs.plan(sizes, set(cached))

    def index_needs_imports(self, libraries: str) -> None:
        """The index build will import its ``libraries`` (``bm25`` or ``vectors``) first: predict that too."""
        self._index_imports = INDEX_IMPORT_SECONDS[libraries]

    def start_item(self, name: str, size: int) -> None:
        """Note that ``name`` (``size`` bytes, 0 when it has no size) was handed to a worker now."""
        now = self.clock()
        self.in_flight[name] = (size, now)
        self._costs.started(name, now)

    def item_taken(self, name: str) -> None:
        """A worker took ``name`` only now (it had to start first): its running time starts again."""
        if name in self.in_flight:
            now = self.clock()
            self.in_flight[name] = (self.in_flight[name][0], now)
            self._costs.started(name, now)

    def finish_item(self, name: str) -> None:
        """Note that ``name`` is no longer in flight (finished, failed or cached)."""
        self.in_flight.pop(name, None)
        self._read.pop(name, None)

    def page_read(self, name: str, done: int, total: int) -> None:
        """A worker has read ``done`` of the ``total`` pages of the file ``name`` it holds."""
        size = self.in_flight.get(name, (0, 0.0))[0]
        if total > 0:
            self._read[name] = size * min(done / total, 1.0)
            self._costs.moved(name, done, total)
            self.emit()

    def file_done(self, name: str, size: int, status: FileStatus, pages: int, chunks: int) -> None:
        """Count a finished file (``size`` bytes, ``chunks`` chunks) and report."""
        self._costs.finished(
            name, self.clock(), pages=pages, chunks=chunks, parsed=status == FileStatus.INDEXED
        )
        self.finish_item(name)
        self.files_done += 1
        self.bytes_done += size
        self.files_cached += status == FileStatus.CACHED
        self.files_failed += status == FileStatus.FAILED
        self.chunks += chunks
        self.item = name
        self.emit()

    def start_embedding(self, windows_total: int, windows_cached: int, plan_seconds: float) -> None:
        """Enter the embedding proper: ``windows_total`` windows, ``windows_cached`` of them need no model.

        ``plan_seconds`` (cutting the windows) predicts what the index build will spend cutting them again.
        """
        self.phase = PHASE_EMBED
        self.windows_total, self.windows_cached = windows_total, windows_cached
        self.windows_done = windows_cached
        self._plan_seconds = plan_seconds
        self._embedding = True
        self._embed_rate = RateWindow(start_at=self.clock())  # a rate from the first batch on

    def start_index(self, chunks: int) -> None:
        """Enter the index build over ``chunks`` chunks; until it reports, its duration is predicted."""
        now = self.clock()
        self.phase, self.item = PHASE_INDEX, None
        self.index_total, self.index_done = chunks, 0
        self._index_predicted = self._index_prediction(now)
        self._index_started = now
        self._index_rate = RateWindow()  # from the first report on: the build's start is predicted

    def index_moved(self, taken: TaskProgress) -> None:
        """The index build has taken ``taken.done`` chunks in (its worker's progress note)."""
        self.index_done = min(taken.done, self.index_total)
        self.emit()

    def emit(self, message: str = "", *, force: bool = False) -> None:
        """Report the current totals (throttled to ~10 per second unless ``force``).

        A non-empty ``message`` becomes the job's current note, repeated by later events.
        """
        if message:
            self.note = message
        now = self.clock()
        if not force and now - self._last_emit < MIN_INTERVAL:
            return
        self._last_emit = now
        elapsed = max(now - self.started, 1e-6)
        counts: dict[str, int | float] = {
            "files_done": self.files_done,
            "files_total": self.files_total,
            "files_cached": self.files_cached,
            "files_failed": self.files_failed,
            "files_skipped": self.files_skipped,
            "chunks": self.chunks,
            "files_removed": self.files_removed,
            "files_added": self.files_added,
            "files_changed": self.files_changed,
            "sources_empty": self.sources_empty,
            "changed": int(self.changed),
            "bytes_done": self.bytes_done + int(sum(self._read.values())),
            "bytes_total": self.bytes_total,
            "windows_done": self.windows_done,
            "windows_total": self.windows_total,
            "windows_cached": self.windows_cached,
            "index_done": self.index_done,
            "index_total": self.index_total,
            "slots": self.slots,
            "elapsed_s": round(elapsed, 2),
            "files_per_s": round(self.files_done / elapsed, 2),
            "bytes_per_s": round(self.bytes_done / elapsed),
        }
        if self.phase == PHASE_EMBED:
            embedded = self._embed_rate.rate(now, self.windows_done - self.windows_cached)
            counts["windows_per_s"] = round(embedded.per_second, 1)
        eta = self._eta.update(now, *self._seconds_left(now))
        if eta is not None:
            counts["eta_s"] = round(eta, 1)
        self.reporter.report(
            self.phase,
            done=self.files_done,
            total=self.files_total,
            message=self.note,
            item=self.item,
            counts=counts,
            in_flight=[(name, size, now - since) for name, (size, since) in self.in_flight.items()],
        )

    def _seconds_left(self, now: float) -> tuple[float | None, str]:
        """The raw estimate, the seconds the phases to come have left (``None``: not known), and its basis."""
        if self.phase == PHASE_PARSE:
            parse = self._costs.seconds_left(now)
            return (None if parse is None else parse + self._index_prediction(now)), PHASE_PARSE
        if self.phase == PHASE_EMBED:
            left = self.windows_total - self.windows_done
            embedded = self._embed_rate.rate(now, self.windows_done - self.windows_cached)
            if not self._embedding or (left > 0 and not embedded.meaningful(left + embedded.done)):
                return None, PHASE_EMBED  # cutting windows (how many is not known yet), or too early
            embedding = left / embedded.per_second if left > 0 else 0.0
            return embedding + self._index_prediction(now), PHASE_EMBED
        if self.phase == PHASE_INDEX:
            taken = self._index_rate.rate(now, self.index_done)
            if taken.done and taken.seconds >= INDEX_MIN_SECONDS:
                feeding = self.index_total / taken.per_second
                left = (self.index_total - self.index_done) / taken.per_second + INDEX_WRITE_SHARE * feeding
                return left, "index measured"
            return max(self._index_predicted - (now - self._index_started), 0.0), "index predicted"
        return None, self.phase

    def _index_prediction(self, now: float) -> float:
        """Seconds the index build will take: from the parse phase's measure, else a default per chunk.

        With vectors the build cuts every chunk's windows again, as the embed phase's plan did; a
        build that imports its libraries first spends that at this machine's measured speed.
        """
        predicted = self._costs.index_seconds(now)
        if predicted is None:
            predicted = INDEX_SECONDS_PER_CHUNK * self.chunks
        return predicted + self._plan_seconds + self._index_imports * (self._costs.speed(now) or 1.0)
