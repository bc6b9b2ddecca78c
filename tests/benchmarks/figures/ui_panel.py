"""Server-side cost of one job-panel render with a running 2,000-file job (Streamlit AppTest).

A real ``DocMind`` service on a scratch data dir runs a stand-in ingestion job through its
``JobManager``: it reports 1,234 of 2,000 files done (one progress event per file, as the engine
does) and then waits on an event. The Documents page runs under ``AppTest``; the page's
``render_job_panel`` (the fragment: ``latest_ingestion`` + ``panel_view`` + the ``job_panel``
component) is wrapped with a timer. Median over 50 renders after 3 warm-ups. The pure parts
(``latest_ingestion``, ``panel_view``) are also timed alone.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import REPO, median, percentile
from tests.benchmarks.report import Figure

FILES_TOTAL = 2_000
FILES_DONE = 1_234
RENDERS = 50
WARMUPS = 3
TARGET_MS = 15.0
PAGE = REPO / "apps" / "docmind" / "src" / "docmind" / "ui" / "app_pages" / "documents.py"


def _stand_in_job(release: threading.Event) -> Callable[[Any], None]:
    def job(ctx: Any) -> None:
        for done in range(1, FILES_DONE + 1):
            counts = {
                "files_done": done,
                "files_total": FILES_TOTAL,
                "files_cached": done // 3,
                "files_failed": 2,
                "chunks": done * 7,
                "bytes_done": done * 90_000,
                "bytes_total": FILES_TOTAL * 90_000,
                "elapsed_s": done / 20,
                "files_per_s": 20.0,
                "bytes_per_s": 1_800_000,
                "eta_s": 38.3,
            }
            ctx.report(
                "parse",
                done=done,
                total=FILES_TOTAL,
                item=f"library/part-{done // 100:02d}/doc-{done:04d}.pdf",
                counts=counts,
            )
        while not release.wait(0.05) and not ctx.cancelled:
            pass

    return job


def _time_calls(fn: Callable[[], object], count: int) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return median(times)


def _measure(data: Path) -> dict[str, Any]:
    import streamlit as st
    from docmind import runtime
    from docmind.job_view import panel_view
    from docmind.service import INDEX_KEY, INGEST_KIND
    from docmind.ui import documents_panel
    from streamlit.testing.v1 import AppTest

    runtime.close_process_service()
    st.cache_resource.clear()
    service = runtime.process_service()
    release = threading.Event()
    service.jobs.submit(INGEST_KIND, _stand_in_job(release), exclusive_key=INDEX_KEY, owner="bench")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        record = service.latest_ingestion()
        if record and record.progress and record.progress.counts.get("files_done") == FILES_DONE:
            break
        time.sleep(0.02)
    original = documents_panel.render_job_panel
    renders: list[float] = []

    def timed() -> None:
        started = time.perf_counter()
        original()
        renders.append(time.perf_counter() - started)

    documents_panel.render_job_panel = timed
    try:
        app = AppTest.from_file(str(PAGE), default_timeout=60)
        full: list[float] = []
        for _ in range(WARMUPS + RENDERS):
            started = time.perf_counter()
            app.run()
            full.append(time.perf_counter() - started)
        shown = " ".join(str(m.value) for m in app.markdown)
        errors = [str(e.value)[:200] for e in app.exception]
    finally:
        documents_panel.render_job_panel = original
    record = service.latest_ingestion()
    assert record is not None
    out = {
        "renders_ms": [round(t * 1000, 2) for t in renders[WARMUPS:]],
        "full_page_run_ms": round(median(full[WARMUPS:]) * 1000, 1),
        "latest_ingestion_ms": round(_time_calls(service.latest_ingestion, 200) * 1000, 3),
        "panel_view_ms": round(_time_calls(lambda: panel_view(record), 200) * 1000, 3),
        "panel_shows_running": "Running" in shown,
        "app_exceptions": errors,
    }
    release.set()
    runtime.close_process_service()
    st.cache_resource.clear()
    return out


def ui_panel_figure(ctx: Context) -> Figure:
    """Median server time of one job-panel render (target ≤ 15 ms)."""
    data = ctx.fresh_dir("ui-panel")
    saved = {k: os.environ.get(k) for k in ("DOCMIND_DATA_DIR", "DOCMIND_LIBRARY_DIRS")}
    os.environ["DOCMIND_DATA_DIR"] = str(data)
    os.environ.pop("DOCMIND_LIBRARY_DIRS", None)
    try:
        result = _measure(data)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        ctx.discard(data)
    renders = [t / 1000 for t in result["renders_ms"]]
    value = median(renders) * 1000
    print(f"[ui] panel render median {value:.1f} ms", flush=True)
    return Figure(
        "ui_panel",
        "Job panel fragment server time, 2,000-file job (median)",
        value,
        " ms",
        "<=",
        TARGET_MS,
        f"{len(renders)} renders under AppTest, p95 {percentile(renders, 95) * 1000:.1f} ms; alone: "
        f"latest_ingestion {result['latest_ingestion_ms']:.2f} ms, "
        f"panel_view {result['panel_view_ms']:.3f} ms; whole page run {result['full_page_run_ms']:.0f} ms; "
        f"panel showed Running: {result['panel_shows_running']}",
        result,
    )
