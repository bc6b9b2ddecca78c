"""The CLI's progress bar fits one terminal line: the file name gives way first, counts and ETA never do."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from docmind.cli.progress_view import BarState, RichView, bar_state, progress_line
from docmind_jobs import ProgressEvent
from rich.console import Console

NAME = "reports/quarterly/annual-report-2025-final-version.pdf"


def _event(phase: str = "parse", **counts: int | float) -> ProgressEvent:
    base: dict[str, int | float] = {"files_done": 62, "files_total": 120, "chunks": 310, "eta_s": 12.4}
    return ProgressEvent(
        seq=1, at=datetime(2026, 1, 1, tzinfo=UTC), phase=phase, counts=base | counts, item=NAME
    )


def _rendered(state: BarState, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), record=True, force_terminal=True)
    console.print(progress_line(state, width))
    return console.export_text().rstrip("\n")


@pytest.mark.parametrize("width", [200, 120, 80, 60, 40])
def test_counts_and_eta_stay_whole_on_one_line(width: int) -> None:
    line = _rendered(bar_state(_event()), width)
    assert "\n" not in line and len(line) <= width
    assert "62/120 files" in line and "ETA 0:00:12" in line and line.startswith("parse ")


def test_at_80_columns_the_file_name_is_shortened_from_the_left() -> None:
    line = _rendered(bar_state(_event()), 80)
    assert len(line) == 80
    name = line.split("ETA 0:00:12 ")[1]
    assert name.startswith("…") and NAME.endswith(name[1:]) and len(name) >= 10
    assert "━" in line and "310 chunks" in line


def test_at_40_columns_the_name_and_the_detail_give_way_before_the_counts() -> None:
    line = _rendered(bar_state(_event()), 40)
    assert line == "parse    ━━━━━━ 62/120 files ETA 0:00:12"


def test_a_wide_terminal_shows_everything_whole() -> None:
    line = _rendered(bar_state(_event()), 200)
    assert line.endswith(f"310 chunks ETA 0:00:12 {NAME}")


def test_each_phase_counts_its_own_units() -> None:
    embed = bar_state(_event("embed", windows_done=250, windows_total=1000, windows_per_s=11.5))
    assert (embed.counts, embed.detail, embed.fraction) == (
        "250/1,000 windows embedded",
        "11.5 windows/s",
        0.25,
    )
    index = bar_state(_event("index", index_done=300, index_total=1200))
    assert (index.counts, index.fraction) == ("300/1,200 chunks indexed", 0.25)
    unknown = bar_state(_scan())
    assert (unknown.counts, unknown.eta, unknown.fraction) == ("0 files", "ETA -:--:--", None)


def _scan() -> ProgressEvent:
    return ProgressEvent(seq=1, at=datetime(2026, 1, 1, tzinfo=UTC), phase="scan")


def test_the_live_view_redraws_the_line_to_the_terminal_width() -> None:
    out = io.StringIO()
    console = Console(width=80, file=out, force_terminal=True)
    view = RichView(console)
    view.show(_event())
    view.close()
    lines = [line for line in out.getvalue().splitlines() if "62/120 files" in line]
    assert lines and "ETA 0:00:12" in lines[-1] and "…" in lines[-1]
