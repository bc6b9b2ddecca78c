"""Every render of the Documents page draws the same positions, so a rerun leaves no stale duplicate.

Streamlit identifies an element by its position in its parent; a rerun rewrites positions one by
one and keeps the previous run's elements at the positions it has not reached yet. If the job
panel put its progress bar at position 2 when a job ended but at 3 while it ran, the page showed
two progress bars while it reran (issue: the E2E suite flakes under load). These tests render
every state and require that each position holds one kind of element in all of them, or an empty
placeholder where a state has nothing to show there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import permutations
from pathlib import Path
from typing import Any

from docmind.job_view import EndDetails, PanelView, panel_view
from docmind.ui import session_keys as keys
from docmind_jobs import InFlightItem, JobRecord, JobState, ProgressEvent
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from tests.support.corpus import make_text
from tests.ui.conftest import page

EMPTY = "empty"

RUNNING = PanelView(
    job_id="0123456789ab",
    state="Running",
    percent=42,
    progress_text="42 / 100 files",
    phase="parse",
    activity="parsing and splitting",
    in_flight=("reports/annual-2025.pdf · 8.4 MiB · 27s", "notes/meeting.md · 12 KiB · 0.2s"),
    chunks=1234,
    files_failed=1,
    files_removed=0,
    changed=True,
    elapsed="12.5s",
    throughput="3.4 files/s · 1.2 MB/s",
    eta="17.1s",
    cancellable=True,
    active=True,
    snapshot_id=None,
    error="",
    end_note="",
)
ENDED: dict[str, Any] = {"active": False, "cancellable": False, "in_flight": (), "eta": "–"}
STATES: dict[str, PanelView | None] = {
    "idle": None,
    "queued": RUNNING.model_copy(update={"state": "Queued", "percent": 0, "in_flight": ()}),
    "running": RUNNING,
    "cancelling": RUNNING.model_copy(update={"state": "Cancelling", "cancellable": False}),
    "succeeded": RUNNING.model_copy(
        update={**ENDED, "state": "Succeeded", "percent": 100, "snapshot_id": "snap-1", "files_total": 4}
    ),
    "nothing changed": RUNNING.model_copy(
        update={**ENDED, "state": "Succeeded", "snapshot_id": "snap-1", "changed": False}
    ),
    "failed": RUNNING.model_copy(update={**ENDED, "state": "Failed", "error": "disk full"}),
    "cancelled": RUNNING.model_copy(
        update={**ENDED, "state": "Cancelled", "end_note": "Cancelled: nothing was published."}
    ),
}


def _panel(view, message, details):  # AppTest runs its source as a script: no annotations to resolve
    from docmind.ui.components.job_panel import job_panel

    job_panel("job_panel", view, message=message, details=details)


@dataclass(frozen=True)
class Shape:
    """What a position holds: an element's type or a container's key (or type), and its children."""

    kind: str
    children: tuple[Shape, ...] | None = None


def shape(node: Any) -> Shape:
    """The shape of an AppTest node and, for a container, of everything inside it."""
    if isinstance(node, Block):
        kind = f"container {node.key}" if node.key else node.type
        return Shape(kind, tuple(shape(child) for child in node.children.values()))
    return Shape(node.type)


def assert_no_stale_duplicate(before: Shape, after: Shape, where: str) -> None:
    """No moment of the rerun from ``before`` to ``after`` shows more of a kind than either render.

    While the rerun runs, the first ``p`` positions show the new render and the rest the old one;
    a container drawn where a container was keeps the old children, so the same holds inside it.
    """
    old, new = before.children or (), after.children or ()
    for written in range(len(new) + 1):
        shown = [s.kind for s in new[:written] + old[written:] if s.kind != EMPTY]
        for kind in set(shown):
            most = max(sum(s.kind == kind for s in old), sum(s.kind == kind for s in new))
            assert shown.count(kind) <= most, (
                f"{where}: after {written} of {len(new)} positions, {shown.count(kind)} × {kind}: {shown}"
            )
    for index, (was, now) in enumerate(zip(old, new, strict=False)):
        if was.children is not None and now.children is not None:
            assert_no_stale_duplicate(was, now, f"{where}/{index} {now.kind}")


def assert_every_rerun_is_clean(renders: dict[str, Shape], where: str) -> None:
    """`assert_no_stale_duplicate` for every ordered pair of ``renders``."""
    for first, second in permutations(renders, 2):
        assert_no_stale_duplicate(renders[first], renders[second], f"{where} {first} → {second}")


def _keyed(at: AppTest, key: str) -> Block:
    block = at.main.get_by_key(key)
    assert isinstance(block, Block)
    return block


def _panel_shape(
    view: PanelView | None, message: str | None = None, details: EndDetails | None = None
) -> Shape:
    at = AppTest.from_function(_panel, default_timeout=30, args=(view, message, details)).run()
    assert not at.exception
    return shape(_keyed(at, "job_panel"))


def test_no_rerun_between_two_job_panel_states_shows_a_stale_duplicate() -> None:
    from docmind.ingest.publish.summary import FailedFile, SkippedNote

    renders = {name: _panel_shape(view) for name, view in STATES.items()}
    renders["refused"] = _panel_shape(STATES["succeeded"], message="Refused: job abc runs")
    failed = EndDetails(failures=(FailedFile(path="x.pdf", error="damaged PDF"),))
    renders["with failures"] = _panel_shape(STATES["succeeded"], details=failed)
    everything = EndDetails(
        failures=failed.failures,
        skipped=(SkippedNote(path="a.exe", reason="unsupported file type .exe"),),
        added=("new.md",),
        removed=("old.md",),
        empty_sources=("/srv/empty",),
    )
    succeeded = STATES["succeeded"]
    assert succeeded is not None
    noisy = succeeded.model_copy(
        update={"files_skipped": 1, "sources_empty": 1, "files_added": 1, "files_removed": 1}
    )
    renders["with every detail"] = _panel_shape(noisy, details=everything)
    assert_every_rerun_is_clean(renders, "job panel")
    # The contract elements hold their positions in every state: one progress bar, one row of buttons.
    places = {name: [s.kind for s in render.children or ()] for name, render in renders.items()}
    assert len({layout.index("progress") for layout in places.values()}) == 1
    assert all(layout.count("progress") == 1 for layout in places.values())


def test_a_running_panel_draws_as_many_elements_whatever_its_workers_hold() -> None:
    """Files come and go between two polls: the panel (so its height) must not follow them."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    items = tuple(InFlightItem(name=f"report-{n}.pdf", size=4096, running_s=n) for n in range(2))

    def running(held: int, cancel_requested: bool) -> PanelView:
        counts: dict[str, int | float] = {"files_done": 3, "files_total": 9, "slots": 2}
        event = ProgressEvent(seq=2, at=now, phase="parse", counts=counts, in_flight=items[:held])
        record = JobRecord(
            id="0123456789ab", kind="ingest", state=JobState.RUNNING, created=now, progress=event, pid=1
        )
        return panel_view(record, now, cancel_requested=cancel_requested)

    for cancel_requested in (False, True):
        renders = [_panel_shape(running(held, cancel_requested)) for held in range(3)]
        assert renders[0] == renders[1] == renders[2], f"cancel asked: {cancel_requested}"


def test_the_documents_page_keeps_every_section_in_place(data_dir: Path) -> None:
    """A fresh page, and the page after an upload, a refused start and a source added."""
    fresh = AppTest.from_file(page("documents"), default_timeout=30).run()
    assert not fresh.exception
    make_text(data_dir / "documents" / "notes.md", phrase="orca notebook")
    (data_dir / "documents" / "image.png").write_bytes(b"png")
    library = data_dir.parent / "library"
    make_text(library / "report.md", phrase="heron atlas")
    busy = AppTest.from_file(page("documents"), default_timeout=30)
    busy.session_state[keys.DOCUMENTS_NOTES] = [("saved", "notes.md: saved")]
    busy.session_state[keys.DOCUMENTS_PANEL_MESSAGE] = "Cannot start: disk full"
    busy.run()
    busy.text_input(key="documents_source_path").input(str(library))
    busy.button(key="documents_source_add").click().run()
    assert not busy.exception
    assert any("Added source" in s.value for s in busy.success)
    assert busy.get("file_uploader") and busy.main.get_by_key("documents_upload_summary")
    assert_every_rerun_is_clean({"fresh": shape(fresh.main), "busy": shape(busy.main)}, "documents page")
