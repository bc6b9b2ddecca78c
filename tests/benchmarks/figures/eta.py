"""ETA accuracy: the ETA shown at 25 %, 50 % and 75 % of a cold ingest against the time that really remained.

One cold ``docmind ingest --json`` of the 1x corpus per round; every progress line is stamped as
it arrives. At the first event whose ``bytes_done`` reaches 25 / 50 / 75 % of ``bytes_total`` the
shown ``eta_s`` is compared with the real remaining time (that event → the summary line). The
figure is the worst relative error over the three points and the rounds (a point without an
ETA counts as 100 %); the target is within ±35 %.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import docmind_argv
from tests.benchmarks.report import Figure

POINTS = (0.25, 0.50, 0.75)
TARGET = 0.35


def _stamped_run(ctx: Context, name: str) -> list[tuple[float, dict[str, Any]]]:
    data = ctx.fresh_dir("eta-data")
    argv = docmind_argv("ingest", str(ctx.corpus.main), "--only", "--data-dir", str(data), "--json")
    lines: list[tuple[float, dict[str, Any]]] = []
    try:
        with (ctx.logs / f"{name}.stderr").open("w") as stderr:
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, text=True)
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("{"):
                    lines.append((time.monotonic(), json.loads(line)))
            if process.wait() != 0:
                raise RuntimeError(f"docmind ingest exited {process.returncode} (see {name}.stderr)")
    finally:
        ctx.discard(data)
    return lines


def _errors(lines: list[tuple[float, dict[str, Any]]]) -> list[dict[str, float | None]]:
    end = next(at for at, line in reversed(lines) if line.get("event") == "summary")
    progress = [(at, line.get("counts", {})) for at, line in lines if line.get("event") == "progress"]
    points = []
    for point in POINTS:
        at, counts = next(
            (at, c)
            for at, c in progress
            if c.get("bytes_total") and c["bytes_done"] >= point * c["bytes_total"]
        )
        real = end - at
        shown = counts.get("eta_s")
        error = abs(float(shown) - real) / real if shown is not None and real > 0 else 1.0
        points.append({"point": point, "shown_s": shown, "real_s": round(real, 2), "error": round(error, 3)})
    return points


def eta_figure(ctx: Context) -> Figure:
    """Run the rounds and report the worst relative ETA error."""
    rounds = []
    for number in range(ctx.rounds):
        ctx.quiet(f"eta round {number}")
        rounds.append(_errors(_stamped_run(ctx, f"eta-r{number}")))
    worst = max(p["error"] or 0.0 for points in rounds for p in points)
    described = "; ".join(
        ", ".join(f"{int(p['point'] * 100)}%: shown {p['shown_s']} s vs {p['real_s']} s" for p in points)
        for points in rounds
    )
    return Figure(
        key="eta_accuracy",
        title="ETA at 25/50/75% of a cold ingest vs real remaining time, worst relative error",
        value=round(worst * 100, 1),
        unit=" %",
        op="<=",
        threshold=TARGET * 100,
        summary=f"worst error {worst:.0%} over {ctx.rounds} round(s): {described}",
        details={"rounds": rounds},
    )
