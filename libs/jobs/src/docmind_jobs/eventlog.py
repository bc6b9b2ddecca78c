"""A job's bounded event stream: a ring of recent events plus every state change.

Contract:
    * ``progress()`` is O(1) and cheap (a tuple appended to a ``deque(maxlen=N)`` under a small lock), so a
      job may report a million times; memory stays bounded by ``maxlen`` whatever the rate. Events are stored
      as plain tuples and turned into :class:`ProgressEvent` models only when someone reads them.
    * Readers never consume: each keeps its own cursor (the last ``seq`` it saw) and calls ``since(cursor)``,
      so any number of viewers follow one job independently.
    * A reader that falls behind by more than ``maxlen`` events gets the oldest retained event and everything
      newer; it can detect the gap because ``seq`` jumps. State events are also kept outside the ring (at
      most four per job), so a reader never misses a state change, and never the terminal one.
    * After the terminal state event the log is closed: later ``progress()`` calls are ignored, so the
      terminal event is always the last one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime

from docmind_jobs.clock import Clock
from docmind_jobs.events import (
    EVENT_PROGRESS,
    EVENT_STATE,
    IN_FLIGHT_LIMIT,
    ITEM_LIMIT,
    MESSAGE_LIMIT,
    InFlightItem,
    ProgressEvent,
    clip,
)
from docmind_jobs.states import JobState

DEFAULT_RING_SIZE = 256

# (seq, at, kind, phase, done, total, counts, message, item, state, in_flight)
_Raw = tuple[
    int,
    datetime,
    str,
    str,
    int | None,
    int | None,
    dict[str, int | float],
    str,
    str | None,
    JobState | None,
    tuple[InFlightItem, ...],
]


def _build(raw: _Raw) -> ProgressEvent:
    seq, at, kind, phase, done, total, counts, message, item, state, in_flight = raw
    return ProgressEvent(
        seq=seq,
        at=at,
        kind=kind,
        phase=phase,
        done=done,
        total=total,
        counts=counts,
        message=message,
        item=item,
        in_flight=in_flight,
        state=state,
    )


class EventLog:
    """The events of one job; thread-safe. See the module docstring for the contract."""

    def __init__(self, clock: Clock, maxlen: int = DEFAULT_RING_SIZE) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self._clock = clock
        self._lock = threading.Lock()
        self._ring: deque[_Raw] = deque(maxlen=maxlen)
        self._states: list[_Raw] = []
        self._seq = 0
        self._closed = False
        self._last: _Raw | None = None

    @property
    def maxlen(self) -> int:
        """The ring's capacity."""
        return self._ring.maxlen or 0

    def __len__(self) -> int:
        """Return the number of events held in the ring (at most ``maxlen``)."""
        return len(self._ring)

    def progress(
        self,
        phase: str,
        done: int | None,
        total: int | None,
        message: str,
        item: str | None,
        counts: Mapping[str, int | float] | None,
        in_flight: Sequence[tuple[str, int, float]] = (),
    ) -> datetime | None:
        """Append a progress event; return its timestamp, or None if the log is closed (job finished).

        ``in_flight`` lists (name, size in bytes, seconds running) of the items worked on in parallel.
        """
        if self._closed:
            return None
        at = self._clock()
        if len(message) > MESSAGE_LIMIT:
            message = clip(message, MESSAGE_LIMIT)
        if item is not None and len(item) > ITEM_LIMIT:
            item = clip(item, ITEM_LIMIT)
        frozen_counts = dict(counts) if counts else {}
        items = tuple(
            InFlightItem(name=clip(name, ITEM_LIMIT), size=size, running_s=round(running, 1))
            for name, size, running in in_flight[:IN_FLIGHT_LIMIT]
        )
        with self._lock:
            if self._closed:
                return None
            self._seq += 1
            raw: _Raw = (
                self._seq,
                at,
                EVENT_PROGRESS,
                phase,
                done,
                total,
                frozen_counts,
                message,
                item,
                None,
                items,
            )
            self._ring.append(raw)
            self._last = raw
        return at

    def state(self, state: JobState, message: str = "") -> ProgressEvent:
        """Append a state-change event (never dropped); a terminal ``state`` closes the log.

        The event repeats the last reported phase, done, total and counts, so the latest event always
        describes the whole job.
        """
        at = self._clock()
        with self._lock:
            self._seq += 1
            last = self._last
            phase, done, total, counts = ("", None, None, {}) if last is None else last[3:7]
            text = clip(message, MESSAGE_LIMIT)
            raw: _Raw = (self._seq, at, EVENT_STATE, phase, done, total, counts, text, None, state, ())
            self._ring.append(raw)
            self._states.append(raw)
            self._last = raw
            self._closed = state.is_terminal
        return _build(raw)

    def since(self, cursor: int) -> list[ProgressEvent]:
        """Return the events with ``seq > cursor``, oldest first (see the module docstring for gaps)."""
        with self._lock:
            retained = list(self._ring)
            states = list(self._states)
        first = retained[0][0] if retained else self._seq + 1
        start = max(0, cursor - first + 1)
        dropped_states = [raw for raw in states if cursor < raw[0] < first]
        return [_build(raw) for raw in dropped_states + retained[start:]]

    def latest(self) -> ProgressEvent | None:
        """Return the newest event (the terminal one once the job ended), or None before any event."""
        last = self._last
        return None if last is None else _build(last)
