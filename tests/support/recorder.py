"""A progress reporter for engine tests: keeps every event it is given."""

from __future__ import annotations


class Recorder:
    """A reporter that keeps every event (and can fire a callback)."""

    def __init__(self, on_event=None) -> None:
        self.events: list[dict] = []
        self.on_event = on_event

    def report(
        self, phase, *, done=None, total=None, message="", item=None, counts=None, in_flight=()
    ) -> None:
        self.events.append(
            {
                "phase": phase,
                "done": done,
                "total": total,
                "item": item,
                "message": message,
                "counts": counts or {},
                "in_flight": list(in_flight),
            }
        )
        if self.on_event:
            self.on_event(self.events[-1])
