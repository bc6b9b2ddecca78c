"""Progress events: what a job tells its viewers, and the named event kinds.

An event carries counts, a phase name, a short message and at most an item *name* (a file name, say) — never
document content: the model forbids extra fields and clips every text field, so nothing large can ride along.
"""

from __future__ import annotations

from typing import Final

from pydantic import AwareDatetime, BaseModel, ConfigDict

from docmind_jobs.states import JobState

EVENT_PROGRESS: Final = "progress"
"""Kind of an event sent by the job through ``JobContext.report``."""
EVENT_STATE: Final = "state"
"""Kind of an event recording a state change; its ``state`` field is set."""

MESSAGE_LIMIT: Final = 200
"""Longest ``message`` kept, in characters; longer ones are clipped with an ellipsis."""
ITEM_LIMIT: Final = 200
"""Longest ``item`` name kept, in characters."""
IN_FLIGHT_LIMIT: Final = 16
"""Most items in flight kept per event (the first ones reported)."""


def clip(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters, ending with "…" when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


class InFlightItem(BaseModel):
    """One item being worked on right now: its name (never its content), size and running time.

    Attributes:
        name: The item's name, clipped to ``ITEM_LIMIT``.
        size: Its size in bytes (0 when unknown).
        running_s: Seconds it had been running when the event was recorded.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    size: int = 0
    running_s: float = 0.0


class ProgressEvent(BaseModel):
    """One event in a job's stream. Immutable; safe to share between threads.

    Attributes:
        seq: Position in the job's stream, starting at 1 and increasing by one per event. A reader that sees a
            jump (``seq`` > its cursor + 1) knows intermediate progress was coalesced away.
        at: When the event was recorded (UTC).
        kind: ``EVENT_PROGRESS`` or ``EVENT_STATE``.
        phase: The job's current phase name (state events repeat the last reported phase).
        done: Units done so far, if the job counts.
        total: Units expected, if known.
        counts: Named counters (files indexed, chunks, seconds...).
        message: Short human text (clipped to ``MESSAGE_LIMIT``); for a Failed event, the error.
        item: The name of the item being worked on (clipped to ``ITEM_LIMIT``), never its content.
        in_flight: The items being worked on in parallel (at most ``IN_FLIGHT_LIMIT``).
        state: The new state, for ``EVENT_STATE`` events; None for progress.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    at: AwareDatetime
    kind: str = EVENT_PROGRESS
    phase: str = ""
    done: int | None = None
    total: int | None = None
    counts: dict[str, int | float] = {}
    message: str = ""
    item: str | None = None
    in_flight: tuple[InFlightItem, ...] = ()
    state: JobState | None = None

    @property
    def fraction(self) -> float | None:
        """Return ``done / total`` clamped to [0, 1], or None when either is unknown or total is 0."""
        if self.done is None or not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))
