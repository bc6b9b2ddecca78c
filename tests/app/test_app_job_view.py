"""The panel's display values derived from job records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from docmind.job_view import format_seconds, panel_view
from docmind_jobs import JobRecord, JobState, ProgressEvent

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _record(
    state: JobState, counts: dict, *, result: str | None = None, error: str | None = None
) -> JobRecord:
    event = ProgressEvent(
        seq=3, at=T0, phase="parse", done=counts.get("files_done"), counts=counts, item="a.pdf"
    )
    finished = T0 + timedelta(seconds=20) if state.is_terminal else None
    return JobRecord(
        id="abc123",
        kind="ingest",
        owner="app",
        state=state,
        created=T0,
        started=T0,
        finished=finished,
        progress=event,
        result=result,
        error=error,
        pid=1,
    )


def test_running_view() -> None:
    counts = {
        "files_done": 5,
        "files_total": 20,
        "chunks": 40,
        "eta_s": 12.5,
        "files_per_s": 2.0,
        "bytes_per_s": 3e6,
    }
    view = panel_view(_record(JobState.RUNNING, counts), now=T0 + timedelta(seconds=4))
    assert (view.state, view.percent, view.progress_text) == ("Running", 25, "5 / 20 files")
    assert view.cancellable and view.active
    assert view.current_file == "a.pdf"
    assert view.eta == "12s" and view.elapsed == "4.0s"
    assert view.throughput == "2.0 files/s · 3.0 MB/s"


def test_end_states() -> None:
    done = panel_view(_record(JobState.SUCCEEDED, {"files_done": 20, "files_total": 20}, result="snap-1"))
    assert done.percent == 100 and done.snapshot_id == "snap-1" and not done.cancellable
    cancelled = panel_view(_record(JobState.CANCELLED, {"files_done": 3, "files_total": 20}))
    assert "nothing was published" in cancelled.end_note and cancelled.current_file == ""
    interrupted = panel_view(_record(JobState.INTERRUPTED, {}))
    assert "Start again" in interrupted.end_note
    failed = panel_view(_record(JobState.FAILED, {}, error="NothingToPublishError: no file"))
    assert failed.error.startswith("NothingToPublishError")


def test_format_seconds() -> None:
    assert format_seconds(4.25) == "4.2s"
    assert format_seconds(75) == "1m 15s"
    assert format_seconds(42) == "42s"
