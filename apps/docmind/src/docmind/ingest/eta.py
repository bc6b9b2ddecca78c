"""The ETA of an ingestion: remaining work divided by the rate measured for each kind of work, smoothed.

Two kinds of work are counted: bytes to parse (parse phase) and windows to embed (embed phase).
Each kind's rate is measured while its phase runs (units done there / seconds spent there), so
the fixed cost before the first file (scanning, starting workers) and cache hits that finish at
once do not inflate it. The raw estimate is the sum, over the kinds with work left, of remaining
/ rate; it is ``None`` ("–") until every kind with work left has a meaningful rate (at least
``MIN_SECONDS`` of its phase and ``MIN_FRACTION`` of its units measured).

The shown value follows the raw estimate through exponential smoothing of a countdown: between
two updates the previous ETA counts down by the time that passed, then moves towards the new raw
estimate by ``1 - exp(-dt / TAU_SECONDS)``. A single fast or slow file therefore nudges the ETA
instead of making it jump, and a stalled file lets it count down rather than freeze.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MIN_SECONDS = 2.0
MIN_FRACTION = 0.05
TAU_SECONDS = 4.0


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
class EtaEstimator:
    """Feeds on ``update`` calls; ``update`` returns the smoothed ETA in seconds, or ``None``."""

    _shown: float | None = None
    _last_at: float | None = field(default=None)

    def update(self, now: float, remaining: list[tuple[float, float, WorkRate]]) -> float | None:
        """Return the ETA at ``now`` for ``remaining`` = [(units left, units total, rate of that kind)].

        Kinds with nothing left are ignored; if any kind with work left has no meaningful rate yet,
        the ETA is unknown (``None``) and the smoothing starts again once it is known.
        """
        raw = 0.0
        for left, total, rate in remaining:
            if left <= 0:
                continue
            if not rate.meaningful(total):
                self._shown, self._last_at = None, None
                return None
            raw += left / rate.per_second
        if self._shown is None or self._last_at is None:
            self._shown = raw
        else:
            dt = max(now - self._last_at, 0.0)
            countdown = max(self._shown - dt, 0.0)
            weight = 1.0 - math.exp(-dt / TAU_SECONDS)
            self._shown = countdown + weight * (raw - countdown)
        self._last_at = now
        return self._shown
