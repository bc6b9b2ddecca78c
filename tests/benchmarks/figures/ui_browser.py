"""Browser: click "Cancel ingestion" → the job panel shows "Cancelled" (Playwright, system Chromium).

A real ``streamlit run`` server on 127.0.0.1 (own process group, log to a file, health polled)
with a scratch data dir whose library folder is the 1x corpus. Each trial clears the chunk cache
(so the job has real work), clicks "Start ingestion", waits until the panel says "Running", waits
a seeded 0.3-1.5 s, clicks "Cancel ingestion" and times until ``.st-key-job_panel`` first says
"Cancelling" (or already "Cancelled": the click's feedback) and until it says "Cancelled".
Chromium never resolves names outside loopback.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import REPO, bench_env, median, percentile
from tests.benchmarks.report import Figure
from tests.support.sockets import unused_port

APP = "apps/docmind/src/docmind/ui/streamlit_app.py"
TARGET_S = 1.5
FEEDBACK_TARGET_S = 0.3
PANEL = ".st-key-job_panel"
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--disable-gpu",
    "--disable-quic",
]


@contextlib.contextmanager
def streamlit_server(data: Path, library: Path, log: Path) -> Iterator[str]:
    """Run the app on a free loopback port until the block ends; yield its URL."""
    port = unused_port()
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        APP,
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    env = bench_env(DOCMIND_DATA_DIR=str(data), DOCMIND_LIBRARY_DIRS=str(library))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:  # loopback only
                    if reply.read().strip() == b"ok":
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: {log.read_text()[-500:]}") from None
                time.sleep(0.1)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _panel_has(text: str) -> str:
    return f"() => (document.querySelector('{PANEL}')?.innerText || '').includes('{text}')"


def _trials(url: str, data: Path, count: int, seed: int) -> list[dict[str, Any]]:
    from playwright.sync_api import expect, sync_playwright

    # As in the E2E suites: DOCMIND_CHROMIUM (a path, or "bundled"), else chromium on PATH.
    chosen = os.environ.get("DOCMIND_CHROMIUM", "")
    executable = None if chosen == "bundled" else chosen or shutil.which("chromium")
    rng = random.Random(seed)
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        start = page.get_by_role("button", name="Start ingestion")
        cancel = page.get_by_role("button", name="Cancel ingestion")
        for _ in range(count):
            expect(start).to_be_enabled(timeout=60_000)
            shutil.rmtree(data / "cache", ignore_errors=True)
            (data / "cache").mkdir(exist_ok=True)
            start.click()
            page.wait_for_function(_panel_has("Running"), timeout=60_000)
            expect(cancel).to_be_enabled(timeout=30_000)
            time.sleep(rng.uniform(0.3, 1.5))
            if not page.evaluate(_panel_has("Running")):
                results.append({"outcome": "job ended before the click"})
                continue
            clicked = time.perf_counter()
            cancel.click()
            page.wait_for_function(_panel_has("Cancel"), timeout=30_000, polling=10)  # either word
            feedback = time.perf_counter() - clicked
            page.wait_for_function(_panel_has("Cancelled"), timeout=30_000, polling=10)
            results.append(
                {"outcome": "cancelled", "seconds": time.perf_counter() - clicked, "feedback": feedback}
            )
        browser.close()
    return results


def ui_browser_figures(ctx: Context) -> list[Figure]:
    """Click Cancel → "Cancelling" shown, and → "Cancelled" shown: worst of 5 trials (2 with ``--quick``)."""
    data = ctx.fresh_dir("ui-browser")
    try:
        with streamlit_server(data, ctx.corpus.main, ctx.logs / "streamlit.log") as url:
            trials = _trials(url, data, 2 if ctx.quick else 5, ctx.seed + 7)
    finally:
        ctx.discard(data)
    times = [t["seconds"] for t in trials if "seconds" in t]
    worst = max(times, default=float("nan"))
    feedback = [t["feedback"] for t in trials if "feedback" in t]
    print(f"[ui] browser cancel: {[round(t, 2) for t in times]}; feedback {feedback}", flush=True)
    slowest = max(feedback, default=float("nan"))
    shown = Figure(
        "ui_cancel_feedback",
        "Click Cancel → panel shows Cancelling (browser), worst of trials",
        slowest,
        " s",
        "<=",
        FEEDBACK_TARGET_S,
        f"{len(feedback)} trials: median {median(feedback):.2f} s, max {slowest:.2f} s",
        {"trials": trials},
    )
    return [
        shown,
        Figure(
            "ui_browser",
            "Click Cancel → panel shows Cancelled (browser), worst of trials",
            worst,
            " s",
            "<=",
            TARGET_S,
            f"{len(times)} trials in Chromium against `streamlit run`: median {median(times):.2f} s, "
            f"p95 {percentile(times, 95):.2f} s, max {worst:.2f} s",
            {"trials": trials},
        ),
    ]
