"""How many windows each embedding call takes: a small first call, then as many as fit ``TARGET_SECONDS``.

Each call is one step of the embed phase's progress (its windows are counted, cached and reported
when it returns), so the time between two results is how long the bar may stand still. A window's
cost is taken as its length in characters (the model's work grows with its word pieces). The first
calls take ``FIRST_CALL`` windows; after each result the characters per second measured size the
next call to about ``TARGET_SECONDS``, between one window and the configured batch
(``DOCMIND_EMBED_BATCH``), growing at most ``GROWTH`` times from one call to the next so a call
that ran unusually fast cannot make the next one long. With several calls in flight (a worker
runs one while the next waits; Ray spreads them over actors), a result's seconds are the time
since the result before it, and results may come in bursts: the rate is therefore the characters
over the seconds of the recent results, both decayed by ``DECAY`` per result, so a result
that came right after another weighs little. A fast embedder (a GPU, a quick endpoint, a pool of
actors) reaches the configured batch within a few calls; two CPU cores stay at a handful of windows
per call.
"""

from __future__ import annotations

from collections.abc import Sequence

FIRST_CALL = 2
TARGET_SECONDS = 0.5
GROWTH = 4
DECAY = 0.5
"""Weight of a result in the rate's sums, relative to the result after it."""


class BatchSizer:
    """Sizes successive embedding calls; ``most`` is the configured batch."""

    def __init__(self, most: int, target_seconds: float = TARGET_SECONDS) -> None:
        self._most = max(most, 1)
        self._target = target_seconds
        self._rate: float | None = None
        self._characters = 0.0
        self._seconds = 0.0
        self._last = 0

    def next_size(self, lengths: Sequence[int]) -> int:
        """How many of the next windows (their lengths in characters, in order) the next call takes."""
        if not lengths:
            return 0
        if self._rate is None:
            size = min(FIRST_CALL, self._most)
        else:
            budget, size, characters = self._rate * self._target, 0, 0
            ceiling = min(self._most, max(self._last, 1) * GROWTH)
            while size < ceiling and size < len(lengths):
                characters += lengths[size]
                size += 1
                if characters >= budget:
                    break
        self._last = min(max(size, 1), len(lengths))
        return self._last

    def measured(self, characters: int, seconds: float) -> None:
        """A result of ``characters`` characters came ``seconds`` after the one before (or the first call)."""
        self._characters = characters + DECAY * self._characters
        self._seconds = max(seconds, 1e-3) + DECAY * self._seconds
        self._rate = self._characters / self._seconds
