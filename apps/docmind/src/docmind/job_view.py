"""What the job panel shows, computed from a job record (no Streamlit here, so it is unit-tested).

The percentage is ``files done / files total`` and never goes down for one job; it is 100 once
every file has been processed (index and publish phases) and on success. ``changed`` is false for a
job that found nothing to publish (its ``snapshot_id`` is the snapshot that stays active).
"""

from __future__ import annotations

from datetime import UTC, datetime

from docmind_jobs import JobRecord, JobState
from pydantic import BaseModel, ConfigDict

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
    chunks: int
    files_failed: int
    files_removed: int
    changed: bool
    current_file: str
    elapsed: str
    throughput: str
    eta: str
    cancellable: bool
    active: bool
    snapshot_id: str | None
    error: str
    end_note: str


def panel_view(record: JobRecord, now: datetime | None = None) -> PanelView:
    """Derive the panel's display values from ``record`` at time ``now`` (UTC)."""
    now = now or datetime.now(UTC)
    event = record.progress
    counts = event.counts if event else {}
    done, total = int(counts.get("files_done", 0)), int(counts.get("files_total", 0))
    percent = 100 if record.state == JobState.SUCCEEDED else (done * 100 // total if total else 0)
    started = record.started or record.created
    end = record.finished or now
    elapsed_s = max((end - started).total_seconds(), 0.0) if started else 0.0
    eta = counts.get("eta_s")
    return PanelView(
        job_id=record.id,
        state=record.state.value,
        percent=max(0, min(100, percent)),
        progress_text=f"{done} / {total} files",
        phase=event.phase if event else "queued",
        chunks=int(counts.get("chunks", 0)),
        files_failed=int(counts.get("files_failed", 0)),
        files_removed=int(counts.get("files_removed", 0)),
        changed=bool(counts.get("changed", 1)),
        current_file=(event.item or "") if event and record.state.is_active else "",
        elapsed=format_seconds(elapsed_s),
        throughput=_throughput(counts),
        eta=format_seconds(float(eta)) if eta is not None and record.state.is_active else "–",
        cancellable=record.state in (JobState.QUEUED, JobState.RUNNING),
        active=record.state.is_active,
        snapshot_id=record.result if record.state == JobState.SUCCEEDED else None,
        error=record.error or "",
        end_note=_END_NOTES.get(record.state, ""),
    )


def format_seconds(seconds: float) -> str:
    """``75.2`` → ``1m 15s``; ``4.2`` → ``4.2s``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _throughput(counts: dict[str, int | float]) -> str:
    files_per_s = float(counts.get("files_per_s", 0))
    mb_per_s = float(counts.get("bytes_per_s", 0)) / 1e6
    return f"{files_per_s:.1f} files/s · {mb_per_s:.1f} MB/s" if files_per_s or mb_per_s else "–"
