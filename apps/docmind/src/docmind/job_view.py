"""What the job panel shows, computed from a job record (no Streamlit here, so it is unit-tested).

The bar follows the phase's own units: files (``files done / files total``) until the embed phase,
windows (``windows done / windows total``) during it; within a phase it never goes down, and it
is 100 once the work units are done (index and publish phases) and on success. ``changed`` is
false for a job that found nothing to publish (its ``snapshot_id`` is the snapshot that stays
active). ``activity`` says what the job is doing ("scanning sources", "starting workers"…) and
``in_flight`` has one line per file a worker holds, with its size and running time.

A cancel the viewer has just asked for (``cancel_requested``) shows as ``Cancelling`` at once,
before the job record says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from docmind_jobs import JobRecord, JobState
from pydantic import BaseModel, ConfigDict

from docmind.ingest.corpus import format_size
from docmind.ingest.progress import PHASE_EMBED

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
    files_total: int = 0
    files_indexed: int = 0
    files_cached: int = 0
    files_failed: int
    files_removed: int
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


def panel_view(
    record: JobRecord, now: datetime | None = None, *, cancel_requested: bool = False
) -> PanelView:
    """Derive the panel's display values from ``record`` at time ``now`` (UTC)."""
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
        in_flight=_in_flight(record, now) if active else (),
        chunks=int(counts.get("chunks", 0)),
        files_total=int(counts.get("files_total", 0)),
        files_indexed=max(int(counts.get("files_done", 0)) - files_cached - files_failed, 0),
        files_cached=files_cached,
        files_failed=files_failed,
        files_removed=int(counts.get("files_removed", 0)),
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


def format_seconds(seconds: float) -> str:
    """``75.2`` → ``1m 15s``; ``4.2`` → ``4.2s``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _bar(counts: dict[str, int | float], phase: str, state: JobState) -> tuple[int, str]:
    windows_total = int(counts.get("windows_total", 0))
    if phase == PHASE_EMBED and windows_total and state.is_active:
        done = int(counts.get("windows_done", 0))
        rate = float(counts.get("windows_per_s", 0))
        return (
            done * 100 // windows_total,
            f"{done:,} / {windows_total:,} windows embedded · {rate:.1f} windows/s",
        )
    done, total = int(counts.get("files_done", 0)), int(counts.get("files_total", 0))
    percent = 100 if state == JobState.SUCCEEDED else (done * 100 // total if total else 0)
    return percent, f"{done} / {total} files"


def _in_flight(record: JobRecord, now: datetime) -> tuple[str, ...]:
    event = record.progress
    if event is None:
        return ()
    since_event = max((now - event.at).total_seconds(), 0.0)
    return tuple(
        f"{item.name} · {format_size(item.size)} · {format_seconds(item.running_s + since_event)}"
        for item in event.in_flight
    )


def _throughput(counts: dict[str, int | float], phase: str) -> str:
    if phase == PHASE_EMBED and counts.get("windows_per_s"):
        return f"{float(counts['windows_per_s']):.1f} windows/s"
    files_per_s = float(counts.get("files_per_s", 0))
    mb_per_s = float(counts.get("bytes_per_s", 0)) / 1e6
    return f"{files_per_s:.1f} files/s · {mb_per_s:.1f} MB/s" if files_per_s or mb_per_s else "–"
