"""Progress bookkeeping for one ingestion: counts, throughput, ETA, and a 10-per-second throttle."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

PHASE_SCAN = "scan"
PHASE_PARSE = "parse"
PHASE_EMBED = "embed"
PHASE_INDEX = "index"
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
    ) -> None:
        """Publish one progress event."""


@dataclass
class IngestProgress:
    """Running totals of one ingestion; ``emit`` reports at most every 0.1 s unless forced.

    ``files_removed`` (known from the index phase on) and ``changed`` (0 once the job found nothing
    to publish) ride in every event's counts, so the last event tells viewers how the job ended.
    """

    reporter: Reporter
    files_total: int = 0
    bytes_total: int = 0
    files_done: int = 0
    bytes_done: int = 0
    files_cached: int = 0
    files_failed: int = 0
    chunks: int = 0
    windows_total: int = 0
    windows_done: int = 0
    windows_cached: int = 0
    files_removed: int = 0
    changed: bool = True
    phase: str = PHASE_SCAN
    item: str | None = None
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    _last_emit: float = field(default=-1.0)

    embed_started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def start_embedding(self, windows_total: int, windows_cached: int) -> None:
        """Enter the embed phase: ``windows_total`` windows, of which ``windows_cached`` need no model."""
        self.phase = PHASE_EMBED
        self.windows_total, self.windows_cached, self.windows_done = windows_total, windows_cached, 0
        self.embed_started = self.clock()

    def _window_counts(self, now: float) -> dict[str, int | float]:
        counts: dict[str, int | float] = {
            "windows_total": self.windows_total,
            "windows_done": self.windows_done,
            "windows_cached": self.windows_cached,
        }
        if self.phase == PHASE_EMBED:
            rate = self.windows_done / max(now - self.embed_started, 1e-6)
            counts["windows_per_s"] = round(rate, 2)
            left = self.windows_total - self.windows_cached - self.windows_done
            if rate > 0:
                counts["eta_s"] = round(max(left, 0) / rate, 1)
        return counts

    def emit(self, message: str = "", *, force: bool = False) -> None:
        """Report the current totals (throttled to ~10 per second unless ``force``)."""
        now = self.clock()
        if not force and now - self._last_emit < MIN_INTERVAL:
            return
        self._last_emit = now
        elapsed = max(now - self.started, 1e-6)
        rate = self.bytes_done / elapsed
        remaining = max(self.bytes_total - self.bytes_done, 0)
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
            "elapsed_s": round(elapsed, 2),
            "files_per_s": round(self.files_done / elapsed, 2),
            "bytes_per_s": round(rate),
        }
        if rate > 0 and self.phase == PHASE_PARSE:
            counts["eta_s"] = round(remaining / rate, 1)
        if self.windows_total:
            counts |= self._window_counts(now)
        self.reporter.report(
            self.phase,
            done=self.files_done,
            total=self.files_total,
            message=message,
            item=self.item,
            counts=counts,
        )
