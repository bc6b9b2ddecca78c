"""The ETA: meaningful only once measured, smoothed, and covering bytes to parse and windows to embed."""

from __future__ import annotations

from docmind.ingest.eta import MIN_SECONDS, EtaEstimator, WorkRate
from docmind.ingest.progress import PHASE_EMBED, PHASE_PARSE, IngestProgress


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


def test_unknown_until_enough_was_measured() -> None:
    eta = EtaEstimator()
    assert eta.update(1.0, [(100.0, 100.0, WorkRate(done=0, seconds=1))]) is None
    assert eta.update(1.0, [(99.0, 100.0, WorkRate(done=1, seconds=MIN_SECONDS))]) is None  # 1 % done
    assert eta.update(3.0, [(90.0, 100.0, WorkRate(done=10, seconds=MIN_SECONDS))]) == 18.0


def test_a_sudden_rate_change_moves_the_eta_smoothly() -> None:
    eta = EtaEstimator()
    first = eta.update(0.0, [(50.0, 100.0, WorkRate(done=50, seconds=50))])
    assert first == 50.0
    # One second later the raw estimate collapses to 5 s (a burst of small files)…
    second = eta.update(1.0, [(45.0, 100.0, WorkRate(done=55, seconds=6.1))])
    assert second is not None and 35.0 < second < 49.0
    # …and a stall (no progress, same rate) lets the shown ETA count down, not freeze.
    third = eta.update(2.0, [(45.0, 100.0, WorkRate(done=55, seconds=6.1))])
    assert third is not None and third < second


def test_work_kinds_without_a_rate_make_the_eta_unknown() -> None:
    eta = EtaEstimator()
    parsed = WorkRate(done=50, seconds=10)
    assert eta.update(0.0, [(50.0, 100.0, parsed), (0.0, 0.0, WorkRate())]) == 10.0
    assert eta.update(1.0, [(50.0, 100.0, parsed), (500.0, 500.0, WorkRate())]) is None


def test_progress_measures_from_the_first_file_not_from_the_start_of_workers() -> None:
    clock, events = _Clock(), _Events()
    progress = IngestProgress(events, clock=clock)
    progress.files_total, progress.bytes_total, progress.phase = 10, 10_000, PHASE_PARSE
    clock.now = 7.0  # workers took 7 s to start
    progress.files_done, progress.bytes_done = 1, 1_000
    progress.emit()
    assert "eta_s" not in events.counts[-1]
    for second in range(1, 4):
        clock.now = 7.0 + second
        progress.files_done, progress.bytes_done = 1 + second, 1_000 + 1_000 * second
        progress.emit()
    # 1,000 bytes/s measured since the first file; 6,000 bytes left: 6 s (the 7 s start is not counted).
    assert events.counts[-1]["eta_s"] == 6.0


def test_the_embed_phase_reports_windows_and_their_rate() -> None:
    clock, events = _Clock(), _Events()
    progress = IngestProgress(events, clock=clock)
    progress.files_total = progress.files_done = 4
    progress.bytes_total = progress.bytes_done = 4_000
    progress.phase, progress.windows_total = PHASE_EMBED, 1_000
    progress.windows_done = progress.windows_cached = 200  # the cache answered first
    progress.emit(force=True)
    for second in range(1, 5):
        clock.now = float(second)
        progress.windows_done = 200 + 50 * second
        progress.emit(force=True)
    last = events.counts[-1]
    assert (last["windows_done"], last["windows_total"], last["windows_cached"]) == (400, 1_000, 200)
    assert last["windows_per_s"] == 50.0
    assert last["eta_s"] == 12.0  # 600 windows left at 50 windows/s
