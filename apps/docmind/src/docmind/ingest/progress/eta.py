"""The ETA of an ingestion: the seconds each phase has left, added up, then smoothed.

``IngestProgress`` computes the raw estimate phase by phase: parsing from per-format costs scaled to
what this job measured (``docmind.ingest.progress.work_costs``), embedding from the windows left at the
windows per second measured since the phase's first batch, the index build from the chunks (a
prediction until the build reports its own rate). The raw estimate is ``None`` ("–") until every
phase with work left can be estimated.

The shown value follows the raw estimate through exponential smoothing of a countdown: between
two updates the previous ETA counts down by the time that passed, then moves towards the new raw
estimate by ``1 - exp(-dt / tau)``. A single fast or slow file therefore nudges the ETA instead of
making it jump, and a stalled file lets it count down rather than freeze. ``tau`` grows with the
time the estimate has been known, half of it, up to ``TAU_SECONDS``: the first estimates rest on
little and are followed closely, later ones are smoothed. When the estimate's *basis* changes (a
new phase, or the index build's own rate replacing its prediction) the shown value starts again
from the new estimate: a new measurement is not one file's noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MIN_SECONDS = 1.0
MIN_FRACTION = 0.02
TAU_SECONDS = 2.0


@dataclass
class WorkRate:
    """Units of one kind done while its phase ran, and the seconds that phase has run so far."""

    done: float = 0.0
    seconds: float = 0.0

    def meaningful(self, total: float) -> bool:
        """True once enough time and work were measured for the rate to mean something."""
        return self.seconds >= MIN_SECONDS and self.done > 0 and self.done >= MIN_FRACTION * total

    @property
    def per_second(self) -> float:
        """Units per second (0 before anything was measured)."""
        return self.done / self.seconds if self.seconds > 0 else 0.0


@dataclass
class RateWindow:
    """A rate measured from ``start`` on (the phase's start, or its first sample when that is ``None``).

    Starting at the first sample leaves out a fixed cost before it (workers starting).
    """

    start_at: float | None = None
    start_units: float = 0.0

    def rate(self, now: float, units: float) -> WorkRate:
        """The rate at ``now`` with ``units`` done in all."""
        if self.start_at is None:
            if units > 0:
                self.start_at, self.start_units = now, units
            return WorkRate()
        return WorkRate(done=units - self.start_units, seconds=now - self.start_at)


@dataclass
class EtaEstimator:
    """Feeds on ``update`` calls; ``update`` returns the smoothed ETA in seconds, or ``None``."""

    _shown: float | None = None
    _last_at: float | None = field(default=None)
    _since: float = 0.0
    _basis: str = ""

    def update(self, now: float, raw: float | None, basis: str = "") -> float | None:
        """Return the ETA at ``now`` given the ``raw`` estimate made on ``basis``.

        ``None`` (unknown) or another basis than the last one's starts the smoothing again.
        """
        if raw is None:
            self._shown, self._last_at = None, None
            return None
        if self._shown is None or self._last_at is None or basis != self._basis:
            self._basis, self._since = basis, now
            self._shown = raw
        else:
            dt = max(now - self._last_at, 0.0)
            countdown = max(self._shown - dt, 0.0)
            tau = max(min(TAU_SECONDS, (now - self._since) / 2), 1e-3)
            weight = 1.0 - math.exp(-dt / tau)
            self._shown = countdown + weight * (raw - countdown)
        self._last_at = now
        return self._shown
