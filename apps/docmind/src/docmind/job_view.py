"""What the job panel shows, computed from a job record (no Streamlit here, so it is unit-tested).

The bar follows the phase's own units (``phase_units``, shared with the CLI's bar): files until
the embed phase, windows during it, chunks while the index is built; within a phase it never goes
down, and it is 100 on success. In the parse phase the bar moves by bytes (a file a worker holds
counts the pages it has read), the label counts files. ``changed`` is false for a job that found
nothing to publish (its ``snapshot_id`` is the snapshot that stays active). ``activity`` says what
the job is doing ("scanning sources", "loading the embedding model"…) and ``in_flight`` has one
line per slot of the job (``slots`` in its counts: how many items may be in flight at once, at
most ``IN_FLIGHT_LIMIT``): the item a worker holds (a file, the embedding model while it loads),
its name cut to ``NAME_LIMIT`` characters, with its size when it has one and its running time,
which keeps counting between events; ``NO_FILE`` for a slot that holds nothing. So the panel has
as many lines whatever the workers hold at the moment it renders: it never changes height while
a job runs.

A cancel the viewer has just asked for (``cancel_requested``) shows as ``Cancelling`` at once,
before the job record says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from docmind_jobs import IN_FLIGHT_LIMIT, JobRecord, JobState
from pydantic import BaseModel, ConfigDict

from docmind.ingest.progress.tracker import PHASE_EMBED, PHASE_INDEX
from docmind.ingest.publish.summary import FailedFile, SkippedNote
from docmind.ingest.scan.corpus import format_size

NO_FILE = "no file"
"""The line of a slot that holds no item (between two files, or in a phase without per-file work)."""
NAME_LIMIT = 60
"""Longest item name shown, in characters: a longer one is cut in the middle so its line never wraps."""

_END_NOTES = {
    JobState.CANCELLED: "Cancelled: nothing was published; the active snapshot is unchanged.",
    JobState.INTERRUPTED: "Interrupted (the server stopped during the job): nothing was published. "
    "Start again: finished files come from the cache.",
}


class PanelView(BaseModel):
    """Everything the panel renders, as display-ready values."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    state: str
    percent: int
    progress_text: str
    phase: str
    activity: str = ""
    in_flight: tuple[str, ...] = ()
    chunks: int
    files_done: int = 0
    files_total: int = 0
    files_indexed: int = 0
    files_cached: int = 0
    files_failed: int
    files_removed: int
    files_skipped: int = 0
    files_added: int = 0
    files_changed: int = 0
    sources_empty: int = 0
    windows_embedded: int = 0
    windows_cached: int = 0
    changed: bool
    elapsed: str
    throughput: str
    eta: str
    cancellable: bool
    active: bool
    snapshot_id: str | None
    error: str
    end_note: str


class EndDetails(BaseModel):
    """The names behind an ended job's counts, from the snapshot it left active (``corpus.json``).

    ``added``, ``changed`` and ``removed`` are empty for a job that found nothing changed; ``skipped``
    holds the first ``summary.SAMPLE`` skipped files with their reasons; ``empty_sources`` the source
    folders that are empty now (the job counted them in ``sources_empty``).
    """

    model_config = ConfigDict(frozen=True)

    failures: tuple[FailedFile, ...] = ()
    skipped: tuple[SkippedNote, ...] = ()
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    empty_sources: tuple[str, ...] = ()


def panel_view(
    record: JobRecord, now: datetime | None = None, *, cancel_requested: bool = False, slots: int = 0
) -> PanelView:
    """Derive the panel's display values from ``record`` at time ``now`` (UTC).

    ``slots`` is the number of in-flight lines to draw while the job has not reported its own
    (Queued, or Running before its first event): the workers it will run with.
    """
    now = now or datetime.now(UTC)
    event = record.progress
    counts = event.counts if event else {}
    state = record.state
    if cancel_requested and state == JobState.RUNNING:
        state = JobState.CANCELLING
    phase = event.phase if event else "queued"
    percent, progress_text = _bar(counts, phase, state)
    started = record.started or record.created
    end = record.finished or now
    elapsed_s = max((end - started).total_seconds(), 0.0) if started else 0.0
    eta = counts.get("eta_s")
    active = state.is_active
    files_cached = int(counts.get("files_cached", 0))
    files_failed = int(counts.get("files_failed", 0))
    windows_cached = int(counts.get("windows_cached", 0))
    return PanelView(
        job_id=record.id,
        state=state.value,
        percent=max(0, min(100, percent)),
        progress_text=progress_text,
        phase=phase,
        activity=(event.message if event and active else ""),
        in_flight=_in_flight(record, now, int(counts.get("slots", 0)) or slots) if active else (),
        chunks=int(counts.get("chunks", 0)),
        files_done=int(counts.get("files_done", 0)),
        files_total=int(counts.get("files_total", 0)),
        files_indexed=max(int(counts.get("files_done", 0)) - files_cached - files_failed, 0),
        files_cached=files_cached,
        files_failed=files_failed,
        files_removed=int(counts.get("files_removed", 0)),
        files_skipped=int(counts.get("files_skipped", 0)),
        files_added=int(counts.get("files_added", 0)),
        files_changed=int(counts.get("files_changed", 0)),
        sources_empty=int(counts.get("sources_empty", 0)),
        windows_embedded=max(int(counts.get("windows_done", 0)) - windows_cached, 0),
        windows_cached=windows_cached,
        changed=bool(counts.get("changed", 1)),
        elapsed=format_seconds(elapsed_s),
        throughput=_throughput(counts, phase),
        eta=format_seconds(float(eta)) if eta is not None and state == JobState.RUNNING else "–",
        cancellable=state in (JobState.QUEUED, JobState.RUNNING),
        active=active,
        snapshot_id=record.result if state == JobState.SUCCEEDED else None,
        error=record.error or "",
        end_note=_END_NOTES.get(state, ""),
    )


class JobOutcome(StrEnum):
    """What a job left behind, as the job history says it."""

    PUBLISHED = "published"
    UNCHANGED = "nothing changed"
    """The job found nothing to publish; its result is the snapshot that stayed active."""
    NOTHING = "nothing published"
    RUNNING = "running"


def job_outcome(record: JobRecord) -> JobOutcome:
    """The outcome of ``record`` (a job that found nothing to publish has ``changed`` 0 in its counts)."""
    if record.state.is_active:
        return JobOutcome.RUNNING
    if record.state != JobState.SUCCEEDED or not record.result:
        return JobOutcome.NOTHING
    counts = record.progress.counts if record.progress else {}
    return JobOutcome.PUBLISHED if counts.get("changed", 1) else JobOutcome.UNCHANGED


def outcome_sentence(record: JobRecord) -> str:
    """``published snap-X``, ``nothing changed, snap-X stays``, ``nothing published`` or ``running``."""
    outcome = job_outcome(record)
    if outcome == JobOutcome.PUBLISHED:
        return f"published {record.result}"
    if outcome == JobOutcome.UNCHANGED:
        return f"nothing changed, {record.result} stays"
    return outcome.value


def format_seconds(seconds: float) -> str:
    """``75.2`` → ``1m 15s``; ``4.2`` → ``4.2s``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


@dataclass(frozen=True)
class PhaseUnits:
    """What the current phase counts: ``done`` of ``total`` ``unit``, a detail, the bar's fraction.

    ``fraction`` is ``None`` while the total is unknown (the scan).
    """

    done: int
    total: int
    unit: str
    detail: str
    fraction: float | None


def phase_units(phase: str, counts: dict[str, int | float]) -> PhaseUnits:
    """The units of ``phase`` from an event's ``counts``: windows (embed), chunks (index), else files."""
    windows_total = int(counts.get("windows_total", 0))
    if phase == PHASE_EMBED and windows_total:
        done = int(counts.get("windows_done", 0))
        rate = f"{float(counts.get('windows_per_s', 0)):.1f} windows/s"
        return PhaseUnits(done, windows_total, "windows embedded", rate, done / windows_total)
    index_total = int(counts.get("index_total", 0))
    if phase == PHASE_INDEX and index_total:
        done = int(counts.get("index_done", 0))
        return PhaseUnits(done, index_total, "chunks indexed", "", done / index_total)
    done, total = int(counts.get("files_done", 0)), int(counts.get("files_total", 0))
    bytes_total = int(counts.get("bytes_total", 0))
    if bytes_total:
        fraction: float | None = min(int(counts.get("bytes_done", 0)) / bytes_total, 1.0)
    else:
        fraction = done / total if total else None
    return PhaseUnits(done, total, "files", f"{int(counts.get('chunks', 0)):,} chunks", fraction)


def _bar(counts: dict[str, int | float], phase: str, state: JobState) -> tuple[int, str]:
    units = phase_units(phase, counts)
    if units.unit != "files" and state.is_active:
        text = f"{units.done:,} / {units.total:,} {units.unit}"
        return int((units.fraction or 0) * 100), f"{text} · {units.detail}" if units.detail else text
    done, total = int(counts.get("files_done", 0)), int(counts.get("files_total", 0))
    if state == JobState.SUCCEEDED:
        percent = 100
    elif units.unit == "files":
        percent = int((units.fraction or 0) * 100)
    else:  # a job that ended in the embed or index phase: its bar shows the files parsed
        percent = done * 100 // total if total else 0
    return percent, f"{done} / {total} files"


def _in_flight(record: JobRecord, now: datetime, slots: int) -> tuple[str, ...]:
    """One line per item in flight, then ``NO_FILE`` up to ``slots`` lines (at most ``IN_FLIGHT_LIMIT``).

    An item is never hidden: more items than slots make more lines.
    """
    event = record.progress
    items = event.in_flight if event is not None else ()
    since_event = max((now - event.at).total_seconds(), 0.0) if event is not None else 0.0
    lines = tuple(
        " · ".join(
            [
                _short_name(item.name),
                *([format_size(item.size)] if item.size else []),
                format_seconds(item.running_s + since_event),
            ]
        )
        for item in items
    )
    return lines + (NO_FILE,) * (min(slots, IN_FLIGHT_LIMIT) - len(lines))


def _short_name(name: str, limit: int = NAME_LIMIT) -> str:
    """``name`` if at most ``limit`` characters long, else cut in the middle to ``limit`` characters.

    The end is kept rather than the start: the file's own name whole when it fits, else as much of
    it as fits.
    """
    if len(name) <= limit:
        return name
    own = len(name.rsplit("/", 1)[-1]) + 1  # with its "/"
    tail = min(max(own, (limit - 1) * 2 // 3), limit - 1)
    return f"{name[: limit - 1 - tail]}…{name[len(name) - tail :]}"


def _throughput(counts: dict[str, int | float], phase: str) -> str:
    if phase == PHASE_EMBED and counts.get("windows_per_s"):
        return f"{float(counts['windows_per_s']):.1f} windows/s"
    files_per_s = float(counts.get("files_per_s", 0))
    mb_per_s = float(counts.get("bytes_per_s", 0)) / 1e6
    return f"{files_per_s:.1f} files/s · {mb_per_s:.1f} MB/s" if files_per_s or mb_per_s else "–"
