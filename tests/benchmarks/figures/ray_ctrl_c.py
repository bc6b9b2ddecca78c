"""Ctrl-C on the README's Ray command: SIGINT to the group → ``uv run docmind ingest`` exited.

Each trial is ``tests.support.terminal_ctrl_c``: the command through ``uv run`` in its own process
group, SIGINT to the whole group (uv forwards a second one) at a moment of the job, the time to the
exit measured by waiting on the process. Moments: 1 s after the start (the command still imports),
while the Ray runtime starts (``connecting to Ray``), while Ray parses, as the snapshot is published;
on a runtime the command starts (``--executor ray``, the README's command) and on the group's head
node (``--ray-address``). Keyword-only, on the bench corpus. The figure is the worst exit time of
all trials (FR-041: within 3 s); the details list every trial. ``tests/ray/test_ray_ctrl_c.py``
checks what each Ctrl-C leaves (one line, the job Cancelled, nothing published, no process).
"""

from __future__ import annotations

from typing import Any

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import bench_env, median
from tests.benchmarks.ray_head import RayHead
from tests.benchmarks.report import Figure
from tests.support.terminal_ctrl_c import (
    AFTER_1S,
    CONNECTING,
    PARSING,
    PUBLISHING,
    RayDidNotStartError,
    Trial,
    ctrl_c,
)

TARGET_S = 3.0
MOMENTS = (AFTER_1S, CONNECTING, PARSING, PUBLISHING)


def ctrl_c_figure(ctx: Context, head: RayHead) -> Figure:
    """The worst time from Ctrl-C to the command's exit, over the moments, both ways of reaching Ray."""
    env = {k: v for k, v in bench_env().items() if k.startswith(("DOCMIND_", "RAY_"))}
    trials: list[dict[str, Any]] = []
    ways = (("runtime", ("--executor", "ray")), ("cluster", ("--ray-address", head.address)))
    for number in range(ctx.rounds):
        ctx.quiet(f"ray Ctrl-C round {number + 1}", max_wait=15)
        for where, flags in ways:
            for moment in MOMENTS:
                data = ctx.fresh_dir("ray-ctrl-c")
                try:
                    trial = ctrl_c(data, ctx.corpus.main, moment, *flags, env=env)
                except RayDidNotStartError as exc:
                    trials.append({"where": where, "moment": moment.name, "ray_did_not_start": str(exc)})
                    continue
                finally:
                    ctx.discard(data)
                trials.append(_row(where, trial))
                print(f"{trial.report()} ({where})", flush=True)
    done = [t for t in trials if "exit_s" in t]
    worst = max((t["exit_s"] for t in done), default=float("nan"))
    by_moment = {m.name: median([t["exit_s"] for t in done if t["moment"] == m.name]) for m in MOMENTS}
    codes = sorted({t["code"] for t in done})
    return Figure(
        "ray_ctrl_c",
        "Ctrl-C (SIGINT to the group) → `uv run docmind ingest --executor ray` exited, worst",
        worst,
        " s",
        "<=",
        TARGET_S,
        f"{len(done)} trials, runtime and --ray-address; median by moment: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in by_moment.items())
        + f"; exit codes {codes} (130 cancelled, 0 finished first)",
        {"trials": trials},
    )


def _row(where: str, trial: Trial) -> dict[str, Any]:
    return {
        "where": where,
        "moment": trial.moment,
        "code": trial.code,
        "exit_s": round(trial.exit_s, 3),
        "stderr": trial.stderr[:3],
        "left": [p.command[:80] for p in trial.left],
    }
