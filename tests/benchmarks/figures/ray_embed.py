"""Embedding on a pool of Ray actors: two actors against one on a two-node test cluster (``ray_embed``).

``tests.benchmarks.ray_embed_probe`` runs in its own process: it starts ``ray.cluster_utils.Cluster``
(a head and one more node, one CPU each), embeds the same seeded sample of the corpus's windows
(``WINDOWS``) with one batch actor and with two, alternating which goes first, once
per round, and reports the windows per second of each. The figure is their ratio. Both nodes run on
this machine's two cores, so two actors can at best use both cores where one uses one; the model
loads on each actor before the clock starts.
"""

from __future__ import annotations

import sys

from tests.benchmarks.figures import Context
from tests.benchmarks.figures.ingest import RunFailedError
from tests.benchmarks.measure import bench_env, run_measured
from tests.benchmarks.report import Figure

WINDOWS = 192
"""Windows embedded per run (about 20 s for one actor here), with or without ``--quick``."""
SCALING_TARGET = 1.5
"""Two actors on two nodes against one: most of the second node's CPU turned into windows."""


def ray_embed_figures(ctx: Context) -> list[Figure]:
    """The ``ray_embed`` group: windows/s of two batch actors over one, on a two-node test cluster."""
    argv = [
        sys.executable,
        "-m",
        "tests.benchmarks.ray_embed_probe",
        str(ctx.corpus.main),
        "--windows",
        str(WINDOWS),
        "--rounds",
        str(ctx.rounds),
    ]
    env = bench_env(DOCMIND_EMBED="on", HF_HUB_OFFLINE="1")
    result = run_measured(argv, log_dir=ctx.logs, name="ray-embed-probe", env=env, timeout=3600)
    probe = result.last_json("ray_embed")
    if result.returncode != 0 or not probe:
        raise RunFailedError(f"ray_embed_probe exited {result.returncode}: {result.stderr_tail[-600:]}")
    threads = sorted({actor[2] for actor in probe["actors"]["2"]})
    return [
        Figure(
            "ray_embed_scaling",
            "Embedding windows/s on Ray: two batch actors / one (two-node test cluster, 1 CPU per node)",
            probe["ratio"],
            "×",
            ">=",
            SCALING_TARGET,
            f"two actors {probe['two_actors_windows_per_s']:.1f} windows/s vs one "
            f"{probe['one_actor_windows_per_s']:.1f} on {probe['windows']} windows in batches of "
            f"{probe['batch']} on {', '.join(probe['runtimes'])}; inference threads per actor {threads}; "
            f"the cluster's own rule gives "
            f"{probe['pool_by_rule']} actors; vectors of the two pools differ by at most "
            f"{probe['max_abs_diff']:.1e}",
            probe,
        )
    ]
