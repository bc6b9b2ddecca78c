"""How ``docmind ingest`` shows progress: a rich bar on a TTY, JSON lines, or nothing until the end.

The bar is one line fitted to the terminal (``progress_line``): the phase, the counts and the ETA
are always whole (down to about 35 columns); what does not fit gives way in a fixed order: the
file name is shortened from the left (its end stays), the bar narrows, the detail (chunks,
windows/s) goes, then the name, and last the bar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from docmind_jobs import ProgressEvent

from docmind.job_view import phase_units

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

PHASE_WIDTH = 8
BAR_MIN, BAR_PREFERRED, BAR_MAX = 6, 20, 30
ITEM_MIN = 10
"""A file name shorter than this is not worth showing (``…`` and a few characters say nothing)."""


class ProgressView(Protocol):
    """Shows progress events; ``close`` ends the display."""

    def show(self, event: ProgressEvent) -> None:
        """Display one event."""

    def close(self) -> None:
        """Finish the display."""


class JsonView:
    """One JSON object per line on stdout for each progress event."""

    def show(self, event: ProgressEvent) -> None:
        """Print the event as ``{"event": "progress", ...}``."""
        payload: dict[str, Any] = {"event": "progress", **event.model_dump(mode="json", exclude_none=True)}
        print(json.dumps(payload), flush=True)

    def close(self) -> None:
        """Nothing to close."""


class PlainView:
    """No live output (stdout is not a terminal); the summary is printed at the end."""

    def show(self, event: ProgressEvent) -> None:
        """Ignore progress."""

    def close(self) -> None:
        """Nothing to close."""


@dataclass(frozen=True)
class BarState:
    """What one line of the bar says; ``fraction`` is ``None`` while the total is unknown."""

    phase: str
    counts: str
    detail: str
    eta: str
    item: str
    fraction: float | None


def bar_state(event: ProgressEvent) -> BarState:
    """The line's content for ``event``: its phase's units (``job_view.phase_units``) and the job's ETA."""
    units = phase_units(event.phase, event.counts)
    eta = event.counts.get("eta_s")
    return BarState(
        phase=event.phase,
        counts=f"{units.done:,}/{units.total:,} {units.unit}"
        if units.total
        else f"{units.done:,} {units.unit}",
        detail=units.detail,
        eta=f"ETA {_clock(float(eta))}" if eta is not None else "ETA -:--:--",
        item=event.item or "",
        fraction=units.fraction,
    )


def progress_line(state: BarState, width: int) -> Text:
    """``state`` as one line of at most ``width`` cells (see the module docstring for what gives way)."""
    from rich.text import Text

    head = f"{state.phase:<{PHASE_WIDTH}}"
    room = width - len(head) - len(state.counts) - len(state.eta) - 2  # the spaces between them
    bar, detail, item = _layout(room, state.detail, state.item)
    line = Text(head, style="bold")
    if bar:
        line.append(" ")
        line.append_text(_bar(bar, state.fraction))
    line.append(f" {state.counts}")
    if detail:
        line.append(f" {detail}")
    line.append(f" {state.eta}")
    if item:
        line.append(f" {item}", style="dim")
    line.truncate(width)  # a terminal narrower than the counts and the ETA: cut, never wrap
    return line


def _layout(room: int, detail: str, item: str) -> tuple[int, str, str]:
    """The bar's width, the detail and the file name that fit in ``room`` cells (each after a space).

    Tried in order: the name shortened down to ``ITEM_MIN`` beside a bar narrowed from
    ``BAR_PREFERRED`` down to ``BAR_MIN``, then the same without the detail; then without the
    name, and last without the bar. A bar beside a whole name (or none) widens into what is left,
    up to ``BAR_MAX``.
    """
    bars = range(BAR_PREFERRED, BAR_MIN - 1, -1)
    with_bar = [(bar, detail) for bar in bars] + [(bar, "") for bar in bars]
    shapes = [(True, *shape) for shape in with_bar] if item else []
    shapes += [(False, *shape) for shape in [*with_bar, (0, detail), (0, "")]]
    for keep_item, bar, shown in shapes:
        left = room - (len(shown) + 1 if shown else 0) - (bar + 1 if bar else 0)
        if keep_item and left - 1 >= min(len(item), ITEM_MIN):
            name = _tail(item, left - 1)
            spare = left - 1 - len(name) if name == item else 0
            return min(BAR_MAX, bar + spare), shown, name
        if not keep_item and left >= 0:
            return (min(BAR_MAX, bar + left) if bar else 0), shown, ""
    return 0, "", ""


def _bar(width: int, fraction: float | None) -> Text:
    from rich.text import Text

    filled = round(width * fraction) if fraction is not None else 0
    return Text.assemble(("━" * filled, "bar.complete"), ("━" * (width - filled), "bar.back"))


def _tail(name: str, width: int) -> str:
    """``name`` cut from the left to ``width`` characters, ``…`` marking the cut."""
    return name if len(name) <= width else "…" + name[len(name) - width + 1 :]


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class RichView:
    """A live one-line bar (``progress_line``) redrawn for each event and on terminal resizes."""

    def __init__(self, console: Console | None = None) -> None:
        from rich import get_console
        from rich.live import Live

        self._state = BarState("scan", "0 files", "", "ETA -:--:--", "", None)
        self._console = console or get_console()
        self._live = Live(
            console=self._console,
            auto_refresh=True,
            refresh_per_second=4,
            transient=False,
            get_renderable=self._render,  # fitted again to the width at every refresh
        )
        self._live.start()

    def _render(self) -> Text:
        return progress_line(self._state, self._console.width)

    def show(self, event: ProgressEvent) -> None:
        """Move the bar."""
        self._state = bar_state(event)
        self._live.refresh()

    def close(self) -> None:
        """Stop the live display (its last line stays)."""
        self._live.stop()
