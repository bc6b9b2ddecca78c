"""The panel's display values derived from job records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from docmind.job_view import (
    NAME_LIMIT,
    NO_FILE,
    JobOutcome,
    PhaseUnits,
    format_seconds,
    job_outcome,
    outcome_sentence,
    panel_view,
    phase_units,
)
from docmind_jobs import IN_FLIGHT_LIMIT, InFlightItem, JobRecord, JobState, ProgressEvent

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _record(
    state: JobState,
    counts: dict,
    *,
    result: str | None = None,
    error: str | None = None,
    phase: str = "parse",
    message: str = "",
    in_flight: tuple[InFlightItem, ...] = (),
) -> JobRecord:
    event = ProgressEvent(
        seq=3,
        at=T0,
        phase=phase,
        done=counts.get("files_done"),
        counts=counts,
        item="a.pdf",
        message=message,
        in_flight=in_flight,
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
    big = InFlightItem(name="big.html", size=8_808_038, running_s=25.0)
    record = _record(JobState.RUNNING, counts, message="parsing and splitting", in_flight=(big,))
    view = panel_view(record, now=T0 + timedelta(seconds=4))
    assert (view.state, view.percent, view.progress_text) == ("Running", 25, "5 / 20 files")
    assert view.cancellable and view.active
    assert view.activity == "parsing and splitting"
    # The running time keeps counting between events: 25 s at the event, 4 s since.
    assert view.in_flight == ("big.html · 8.4 MiB · 29s",)
    assert view.eta == "12s" and view.elapsed == "4.0s"
    assert view.throughput == "2.0 files/s · 3.0 MB/s"


def test_end_states() -> None:
    done = panel_view(_record(JobState.SUCCEEDED, {"files_done": 20, "files_total": 20}, result="snap-1"))
    assert done.percent == 100 and done.snapshot_id == "snap-1" and not done.cancellable
    cancelled = panel_view(_record(JobState.CANCELLED, {"files_done": 3, "files_total": 20}))
    assert "nothing was published" in cancelled.end_note and cancelled.in_flight == ()
    assert cancelled.activity == "" and cancelled.eta == "–"
    interrupted = panel_view(_record(JobState.INTERRUPTED, {}))
    assert "Start again" in interrupted.end_note
    failed = panel_view(_record(JobState.FAILED, {}, error="NothingToPublishError: no file"))
    assert failed.error.startswith("NothingToPublishError")


def test_format_seconds() -> None:
    assert format_seconds(4.25) == "4.2s"
    assert format_seconds(75) == "1m 15s"
    assert format_seconds(42) == "42s"


def test_a_requested_cancel_shows_cancelling_before_the_record_does() -> None:
    running = _record(JobState.RUNNING, {"files_done": 2, "files_total": 20, "eta_s": 30})
    view = panel_view(running, now=T0, cancel_requested=True)
    assert (view.state, view.eta, view.cancellable, view.active) == ("Cancelling", "–", False, True)
    done = _record(JobState.CANCELLED, {"files_done": 2, "files_total": 20})
    assert panel_view(done, now=T0, cancel_requested=True).state == "Cancelled"


def test_the_end_summary_counts() -> None:
    counts = {
        "files_done": 20,
        "files_total": 20,
        "files_cached": 5,
        "files_failed": 2,
        "files_removed": 1,
        "windows_done": 900,
        "windows_cached": 300,
        "windows_total": 900,
    }
    view = panel_view(_record(JobState.SUCCEEDED, counts, result="snap-2", phase="publish"))
    assert (view.files_indexed, view.files_cached, view.files_failed, view.files_removed) == (13, 5, 2, 1)
    assert (view.windows_embedded, view.windows_cached) == (600, 300)
    assert view.elapsed == "20s" and view.progress_text == "20 / 20 files"


def test_the_embed_phase_counts_windows() -> None:
    counts: dict[str, int | float] = {"files_done": 20, "files_total": 20, "windows_done": 250}
    counts |= {"windows_total": 1000, "windows_per_s": 11.5}
    view = panel_view(_record(JobState.RUNNING, counts, phase="embed"), now=T0)
    assert view.percent == 25
    assert view.progress_text == "250 / 1,000 windows embedded · 11.5 windows/s"
    assert view.throughput == "11.5 windows/s"


def test_the_parse_bar_moves_by_bytes_read_and_counts_files() -> None:
    counts = {"files_done": 0, "files_total": 1, "bytes_done": 2_500, "bytes_total": 10_000}
    view = panel_view(_record(JobState.RUNNING, counts), now=T0)
    assert (view.percent, view.progress_text) == (25, "0 / 1 files")


def test_the_index_phase_counts_chunks() -> None:
    counts = {"files_done": 20, "files_total": 20, "index_done": 300, "index_total": 1200}
    view = panel_view(_record(JobState.RUNNING, counts, phase="index"), now=T0)
    assert (view.percent, view.progress_text) == (25, "300 / 1,200 chunks indexed")
    ended = panel_view(_record(JobState.CANCELLED, counts, phase="index"), now=T0)
    assert (ended.percent, ended.progress_text) == (100, "20 / 20 files")


def test_phase_units_are_shared_by_the_panel_and_the_cli() -> None:
    counts: dict[str, int | float] = {"files_done": 3, "files_total": 4, "chunks": 1234}
    counts |= {"windows_done": 5, "windows_total": 10}
    assert phase_units("parse", counts) == PhaseUnits(3, 4, "files", "1,234 chunks", 0.75)
    embed = phase_units("embed", counts | {"windows_per_s": 2.5})
    assert embed == PhaseUnits(5, 10, "windows embedded", "2.5 windows/s", 0.5)
    assert phase_units("scan", {}).fraction is None


def test_an_item_without_a_size_shows_only_its_running_time() -> None:
    model = InFlightItem(name="loading the model", size=0, running_s=1.5)
    record = _record(JobState.RUNNING, {"files_done": 1, "files_total": 1}, in_flight=(model,))
    assert panel_view(record, now=T0 + timedelta(seconds=1)).in_flight == ("loading the model · 2.5s",)


def test_a_running_job_has_one_line_per_slot_whatever_its_workers_hold() -> None:
    """The panel's height must not depend on the moment it renders: between two files a slot says so."""
    counts = {"files_done": 1, "files_total": 9, "slots": 2}
    a, b = InFlightItem(name="a.pdf", size=2048, running_s=1.0), InFlightItem(name="b.md", running_s=2.0)
    at = T0 + timedelta(seconds=1)
    lines = {
        held: panel_view(_record(JobState.RUNNING, counts, in_flight=held), now=at).in_flight
        for held in ((), (a,), (a, b))
    }
    assert lines == {
        (): (NO_FILE, NO_FILE),
        (a,): ("a.pdf · 2 KiB · 2.0s", NO_FILE),
        (a, b): ("a.pdf · 2 KiB · 2.0s", "b.md · 3.0s"),
    }
    cancelling = panel_view(_record(JobState.CANCELLING, counts, in_flight=(a,)), now=at)
    assert cancelling.in_flight == ("a.pdf · 2 KiB · 2.0s", NO_FILE)
    assert panel_view(_record(JobState.CANCELLED, counts, in_flight=(a,))).in_flight == ()


def test_slots_come_from_the_job_else_from_the_caller_and_never_hide_an_item() -> None:
    a = InFlightItem(name="a.pdf", running_s=1.0)
    unreported = _record(JobState.RUNNING, {"files_done": 0, "files_total": 3})
    # Running before its first event (or Queued): the caller's worker count draws the lines.
    assert panel_view(unreported, now=T0, slots=3).in_flight == (NO_FILE,) * 3
    reported = _record(JobState.RUNNING, {"files_total": 3, "slots": 4}, in_flight=(a,))
    assert panel_view(reported, now=T0, slots=3).in_flight == ("a.pdf · 1.0s", *(NO_FILE,) * 3)
    # No more lines than an event can carry items; more items than slots are all shown.
    many = _record(JobState.RUNNING, {"slots": 64})
    assert len(panel_view(many, now=T0).in_flight) == IN_FLIGHT_LIMIT
    crowded = _record(JobState.RUNNING, {"slots": 1}, in_flight=(a, a))
    assert panel_view(crowded, now=T0).in_flight == ("a.pdf · 1.0s", "a.pdf · 1.0s")


def test_a_long_name_is_cut_in_the_middle_keeping_the_file_name() -> None:
    def shown(name: str) -> str:
        item = InFlightItem(name=name, running_s=1.0)
        (line,) = panel_view(_record(JobState.RUNNING, {"slots": 1}, in_flight=(item,)), now=T0).in_flight
        return line.removesuffix(" · 1.0s")

    folders = "library/projects/2024/quarterly-reports/finance/department-x/"
    short = shown(folders + "annual-v3.pdf")
    assert len(short) == NAME_LIMIT and short.startswith("library/") and short.endswith("/annual-v3.pdf")
    own = "annual-report-of-the-northern-region-final-version-004.pdf"  # 58 characters: kept whole
    assert shown(folders + own) == f"…/{own}"
    too_long = "x" * 80 + ".pdf"
    assert shown(folders + too_long) == f"…{too_long[-(NAME_LIMIT - 1) :]}"
    assert shown("notes/meeting.md") == "notes/meeting.md"


def test_the_end_counts_name_what_was_added_changed_skipped_and_found_empty() -> None:
    counts = {"files_done": 5, "files_total": 5, "files_added": 1, "files_changed": 2}
    counts |= {"files_skipped": 3, "sources_empty": 1}
    view = panel_view(_record(JobState.SUCCEEDED, counts, result="snap-3", phase="publish"))
    assert (view.files_added, view.files_changed, view.files_skipped, view.sources_empty) == (1, 2, 3, 1)


def test_the_job_outcome_tells_a_publication_from_nothing_changed() -> None:
    published = _record(JobState.SUCCEEDED, {"changed": 1}, result="snap-2")
    unchanged = _record(JobState.SUCCEEDED, {"changed": 0}, result="snap-2")
    failed = _record(JobState.FAILED, {}, error="NothingToPublishError: no file")
    running = _record(JobState.RUNNING, {})
    assert [job_outcome(r) for r in (published, unchanged, failed, running)] == [
        JobOutcome.PUBLISHED,
        JobOutcome.UNCHANGED,
        JobOutcome.NOTHING,
        JobOutcome.RUNNING,
    ]
    assert outcome_sentence(published) == "published snap-2"
    assert outcome_sentence(unchanged) == "nothing changed, snap-2 stays"
    assert outcome_sentence(failed) == "nothing published"
