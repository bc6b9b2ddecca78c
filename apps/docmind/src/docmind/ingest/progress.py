"""Progress bookkeeping for one ingestion: counts, throughput, files in flight, ETA, and a throttle.

Counts reported in every event: ``files_done``, ``files_total``, ``files_cached``, ``files_failed``,
``chunks``, ``files_removed``, ``changed`` (0 once the job found nothing to publish), ``bytes_done``,
``bytes_total``, ``elapsed_s``, ``files_per_s``, ``bytes_per_s``, ``windows_done``,
``windows_total``, ``windows_cached``; during the embed phase also ``windows_per_s``; and
``eta_s`` whenever :mod:`docmind.ingest.eta` has a meaningful estimate.

Windows (the embed phase's units): ``windows_done`` counts every window finished, computed or
taken from the embedding cache; ``windows_cached`` is the part of it that came from the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from docmind.ingest.eta import EtaEstimator, WorkRate

PHASE_SCAN = "scan"
PHASE_PARSE = "parse"
PHASE_EMBED = "embed"
PHASE_INDEX = "index"
PHASE_MERGE = "merge"
PHASE_PUBLISH = "publish"

MIN_INTERVAL = 0.1


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
class _RateWindow:
    """A rate measured from the first sample on: the fixed cost before it (worker start) is left out."""

    start_at: float | None = None
    start_units: float = 0.0

    def rate(self, now: float, units: float) -> WorkRate:
        if self.start_at is None:
            if units > 0:
                self.start_at, self.start_units = now, units
            return WorkRate()
        return WorkRate(done=units - self.start_units, seconds=now - self.start_at)


@dataclass
class IngestProgress:
    """Running totals of one ingestion; ``emit`` reports at most every 0.1 s unless forced.

    ``files_removed`` (known from the index phase on) and ``changed`` (0 once the job found nothing
    to publish) ride in every event's counts, so the last event tells viewers how the job ended.
    The event's message is the last one given to ``emit`` (what the job is doing: "scanning
    sources", "starting workers"…); files handed to workers are listed with their size and running
    time until they finish (``start_item`` / ``finish_item``).
    """

    reporter: Reporter
    files_total: int = 0
    bytes_total: int = 0
    files_done: int = 0
    bytes_done: int = 0
    files_cached: int = 0
    files_failed: int = 0
    chunks: int = 0
    files_removed: int = 0
    windows_total: int = 0
    windows_done: int = 0
    windows_cached: int = 0
    changed: bool = True
    phase: str = PHASE_SCAN
    item: str | None = None
    note: str = ""
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    in_flight: dict[str, tuple[int, float]] = field(default_factory=dict)
    _last_emit: float = field(default=-1.0)
    _eta: EtaEstimator = field(default_factory=EtaEstimator)
    _parse_rate: _RateWindow = field(default_factory=_RateWindow)
    _embed_rate: _RateWindow = field(default_factory=_RateWindow)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def start_embedding(self, windows_total: int, windows_cached: int) -> None:
        """Enter the embed phase: ``windows_total`` windows, of which ``windows_cached`` need no model."""
        self.phase = PHASE_EMBED
        self.windows_total, self.windows_cached = windows_total, windows_cached
        self.windows_done = windows_cached

    def start_item(self, name: str, size: int) -> None:
        """Note that ``name`` (``size`` bytes) was handed to a worker now."""
        self.in_flight[name] = (size, self.clock())

    def finish_item(self, name: str) -> None:
        """Note that ``name`` is no longer in flight (finished, failed or cached)."""
        self.in_flight.pop(name, None)

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
            "chunks": self.chunks,
            "files_removed": self.files_removed,
            "changed": int(self.changed),
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "windows_done": self.windows_done,
            "windows_total": self.windows_total,
            "windows_cached": self.windows_cached,
            "elapsed_s": round(elapsed, 2),
            "files_per_s": round(self.files_done / elapsed, 2),
            "bytes_per_s": round(self.bytes_done / elapsed),
        }
        embed = self._embed_rate.rate(now, self.windows_done - self.windows_cached)
        if self.phase == PHASE_EMBED:
            counts["windows_per_s"] = round(embed.per_second, 1)
        eta = self._estimate(now, embed)
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

    def _estimate(self, now: float, embed: WorkRate) -> float | None:
        parse = self._parse_rate.rate(now, self.bytes_done)
        if self.phase not in (PHASE_PARSE, PHASE_EMBED):
            return None
        windows_left = self.windows_total - self.windows_done
        return self._eta.update(
            now,
            [
                (self.bytes_total - self.bytes_done, self.bytes_total, parse),
                (windows_left, self.windows_total - self.windows_cached, embed),
            ],
        )
