"""How ``docmind ingest`` shows progress: a rich bar on a TTY, JSON lines, or nothing until the end."""

from __future__ import annotations

import json
from typing import Any, Protocol

from docmind_jobs import ProgressEvent


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


class RichView:
    """A rich progress bar with phase, files, chunks and the current file.

    In the embed phase the bar counts windows (cached ones included) and shows windows per second.
    """

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("[bold]{task.fields[phase]:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]} · {task.fields[detail]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[item]}", style="dim"),
            transient=False,
        )
        self._task = self._progress.add_task(
            "ingest", total=None, phase="scan", unit="files", detail="0 chunks", item=""
        )
        self._progress.start()

    def show(self, event: ProgressEvent) -> None:
        """Move the bar."""
        counts = event.counts
        windows = int(counts.get("windows_total", 0))
        if event.phase == "embed" and windows:
            done = int(counts.get("windows_done", 0)) + int(counts.get("windows_cached", 0))
            total, unit = windows, "windows"
            detail = f"{float(counts.get('windows_per_s', 0)):.1f} windows/s"
        else:
            done, total, unit = event.done or 0, event.total or None, "files"
            detail = f"{int(counts.get('chunks', 0))} chunks"
        self._progress.update(
            self._task,
            completed=done,
            total=total,
            phase=event.phase,
            unit=unit,
            detail=detail,
            item=(event.item or "")[-48:],
        )

    def close(self) -> None:
        """Stop the live display."""
        self._progress.stop()
