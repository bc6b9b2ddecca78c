"""The ETA: per-format parse costs scaled to what the job measured, the index from its chunks, smoothing.

Every test drives the progress with its own clock; nothing here sleeps.
"""

from __future__ import annotations

import pytest
from docmind.executors.task_context import TaskProgress
from docmind.ingest.progress.eta import EtaEstimator
from docmind.ingest.progress.tracker import INDEX_IMPORT_SECONDS, IngestProgress
from docmind.ingest.progress.work_costs import (
    FILE_SECONDS,
    INDEX_PER_PARSE,
    PDF_SECONDS_PER_PAGE,
    SECONDS_PER_MB,
    ParseCosts,
)
from docmind.segments.file_status import FileStatus

MB = 1_000_000


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Events:
    def __init__(self) -> None:
        self.counts: list[dict[str, int | float]] = []

    def report(self, phase, *, done=None, total=None, message="", item=None, counts=None, in_flight=()):
        self.counts.append(dict(counts or {}))


def _progress() -> tuple[IngestProgress, _Clock, _Events]:
    clock, events = _Clock(), _Events()
    return IngestProgress(events, clock=clock), clock, events


def test_the_smoothed_eta_starts_at_the_estimate_moves_smoothly_and_counts_down() -> None:
    eta = EtaEstimator()
    assert eta.update(0.0, None) is None
    assert eta.update(1.0, 80.0) == 80.0
    # The first estimates rest on little: a second later the ETA follows a new one closely.
    early = eta.update(2.0, 60.0)
    assert early is not None and 60.0 <= early < 65.0
    for second in range(3, 21):
        eta.update(float(second), 60.0 - (second - 2))  # the job keeps its pace
    # Known for 20 s, the estimate collapses to 5 s (a burst of small files): the ETA is nudged…
    nudged = eta.update(21.0, 5.0)
    assert nudged is not None and 20.0 < nudged < 41.0
    # …and a stall (the same estimate again) lets the shown ETA count down, not freeze.
    stalled = eta.update(22.0, 5.0)
    assert stalled is not None and stalled < nudged
    assert eta.update(23.0, None) is None  # unknown again: smoothing starts over
    assert eta.update(24.0, 7.0) == 7.0
    assert eta.update(25.0, 9.0, "another basis") == 9.0  # a new basis starts from its estimate


def test_parsing_costs_follow_the_format_not_the_bytes() -> None:
    """A cheap PDF done first says nothing about the HTML left: its own rate, scaled by this machine, does."""
    costs = ParseCosts()
    costs.plan({"a.pdf": 4 * MB, "b.html": 1 * MB}, cached=set())
    costs.started("a.pdf", 0.0)
    costs.finished("a.pdf", 1.0, pages=100, chunks=100, parsed=True)  # photos: many bytes, few pages
    speed = 1.0 / (FILE_SECONDS + 100 * PDF_SECONDS_PER_PAGE)  # worker-seconds per reference second
    html = speed * (FILE_SECONDS + SECONDS_PER_MB["html"])
    left = costs.seconds_left(1.0)
    assert left == pytest.approx(html)  # one worker was busy all along
    assert left is not None and left > 0.5  # by bytes, the 1 MB of HTML would have taken a quarter second


def test_two_busy_workers_halve_the_time_left() -> None:
    costs = ParseCosts()
    costs.plan({f"n{i}.md": MB for i in range(6)}, cached=set())
    for name in ("n0.md", "n1.md"):
        costs.started(name, 0.0)
    for name in ("n0.md", "n1.md"):
        costs.finished(name, 2.0, pages=0, chunks=10, parsed=True)
    per_file = 2.0  # measured: each took 2 s, the speed scales the reference cost to that
    assert costs.seconds_left(2.0) == pytest.approx(4 * per_file / 2)


def test_files_known_to_be_cached_cost_nothing() -> None:
    costs = ParseCosts()
    costs.plan({"new.md": MB, "old.md": 50 * MB}, cached={"old.md"})
    costs.started("new.md", 0.0)
    assert costs.seconds_left(0.1) is None  # too early: nothing measured yet
    costs.finished("new.md", 1.0, pages=0, chunks=5, parsed=True)
    costs.finished("old.md", 1.0, pages=0, chunks=500, parsed=False)
    assert costs.seconds_left(1.0) == 0.0


def test_a_single_long_pdf_moves_page_by_page_and_has_an_eta_before_it_ends() -> None:
    progress, clock, events = _progress()
    progress.start_parse({"book.pdf": 10 * MB})
    progress.start_item("book.pdf", 10 * MB)
    clock.now = 2.0
    progress.page_read("book.pdf", 100, 400)
    last = events.counts[-1]
    assert last["bytes_done"] == 10 * MB // 4 and last["files_done"] == 0
    # 100 pages in 2 s: 300 pages left take 6 s; the index is predicted from the chunks (none yet).
    assert last["eta_s"] == pytest.approx(6.0, abs=0.05)


def test_the_index_build_is_predicted_from_the_chunks_then_measured() -> None:
    progress, clock, events = _progress()
    progress.start_parse({"a.md": MB, "b.md": MB})
    for name in ("a.md", "b.md"):
        progress.start_item(name, MB)
    clock.now = 2.0
    for name in ("a.md", "b.md"):
        progress.file_done(name, MB, FileStatus.INDEXED, 0, 100)
    progress.start_index(200)
    progress.emit(force=True)
    per_chunk = 2.0 / 100  # worker-seconds of parsing per chunk
    predicted = INDEX_PER_PARSE * per_chunk * 200
    assert events.counts[-1]["eta_s"] == pytest.approx(predicted, abs=0.05)
    assert (events.counts[-1]["index_done"], events.counts[-1]["index_total"]) == (0, 200)
    # The build reports: from its first note on, its own rate counts (50 chunks a second here).
    clock.now = 2.1
    progress.index_moved(TaskProgress(20, 200))
    clock.now = 3.1
    progress.index_moved(TaskProgress(70, 200))
    last = events.counts[-1]
    assert last["index_done"] == 70
    raw = (200 - 70) / 50 + 0.3 * 200 / 50  # chunks left, then the index files written
    assert raw * 0.5 < last["eta_s"] < raw * 1.5  # smoothed towards it


def test_embedding_has_a_rate_from_its_first_batch_and_an_eta_once_measured() -> None:
    progress, clock, events = _progress()
    progress.start_parse({"a.md": MB})
    progress.start_item("a.md", MB)
    clock.now = 1.0
    progress.file_done("a.md", MB, FileStatus.INDEXED, 0, 100)
    progress.phase = "embed"
    progress.emit(force=True)
    assert "eta_s" not in events.counts[-1]  # cutting windows: how many is not known yet
    progress.start_embedding(1_000, 200, plan_seconds=0.5)
    clock.now = 1.4
    progress.windows_done += 2  # the first, small call
    progress.emit(force=True)
    assert events.counts[-1]["windows_per_s"] == 5.0  # 2 windows in 0.4 s: a rate at once
    for step in range(1, 5):
        clock.now = 1.4 + step
        progress.windows_done = 202 + 50 * step
        progress.emit(force=True)
    last = events.counts[-1]
    assert (last["windows_done"], last["windows_total"], last["windows_cached"]) == (402, 1_000, 200)
    index = INDEX_PER_PARSE * 1.0 / 100 * 100 + 0.5  # the build, and cutting the windows again
    rate = 202 / 4.4
    assert last["windows_per_s"] == round(rate, 1)
    assert last["eta_s"] == pytest.approx(598 / rate + index, rel=0.35)  # smoothed towards it


def test_the_wait_for_a_starting_worker_is_not_counted_as_parsing() -> None:
    progress, clock, events = _progress()
    names = [f"n{i}.md" for i in range(4)]
    progress.start_parse(dict.fromkeys(names, MB))
    for name in names[:2]:
        progress.start_item(name, MB)
    clock.now = 5.0  # the first worker took 5 s to start; then it took the files
    for name in names[:2]:
        progress.item_taken(name)
    clock.now = 6.0
    for name in names[:2]:
        progress.file_done(name, MB, FileStatus.INDEXED, 0, 10)
    progress.emit(force=True)
    # Each file took 1 s of a worker, two ran at once: the two left take 1 s, not 6; the index
    # build's prediction (a tenth of the parsing, done and to come) comes on top.
    index = INDEX_PER_PARSE * (2.0 + 2.0)
    assert 1.0 < events.counts[-1]["eta_s"] <= 1.0 + index


def test_a_build_that_imports_its_libraries_first_is_predicted_longer_on_a_slow_machine() -> None:
    def predicted(imports: bool) -> float:
        progress, clock, events = _progress()
        if imports:
            progress.index_needs_imports("bm25")
        progress.start_parse({"a.md": MB})
        progress.start_item("a.md", MB)
        clock.now = 2.0  # twice the reference machine's time for this file
        progress.file_done("a.md", MB, FileStatus.INDEXED, 0, 100)
        progress.start_index(100)
        progress.emit(force=True)
        return float(events.counts[-1]["eta_s"])

    speed = 2.0 / (FILE_SECONDS + SECONDS_PER_MB["text"])
    assert predicted(True) - predicted(False) == pytest.approx(INDEX_IMPORT_SECONDS["bm25"] * speed, abs=0.1)
