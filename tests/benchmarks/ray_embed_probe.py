"""One embedding actor against two on a two-node Ray test cluster (``ray_embed`` group); prints one JSON line.

Usage: ``python -m tests.benchmarks.ray_embed_probe FOLDER [--windows N] [--rounds R] [--node-cpus C]``.

Starts Ray's own multi-node test cluster (``ray.cluster_utils.Cluster``): a head node and one more
node, ``C`` CPUs each (default 1: on this 2-core machine each node then stands for one core), and
connects this process as a job's driver does (``docmind.executors.ray.runtime.connect``). Cuts the
text files of ``FOLDER`` (``.txt``, ``.md``, ``.rst``) into DocMind's windows (its tokenizer, 256
word pieces), draws a seeded sample of ``N`` windows, sorts it by length and cuts it into batches
of ``BATCH``. Each round measures one actor and two actors, alternating which goes first: a
``RayExecutor`` cut to that many batch actors loads the model on each (``warm_up``, not timed),
then ``call_stream(encode_windows, batches)`` with two calls per actor is timed from its first
call to its last vector, and the actors are killed. Prints the windows per second of each (median
over the rounds), their ratio, where the actors ran with how many threads, the pool the cluster
would get by its own rule, and the largest difference between the vectors of the two pools.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

BATCH = 16
WINDOW = 256
SEED = 20260
_log = logging.getLogger(__name__)


def where_and_threads(_: object) -> tuple[str, int, int]:
    """The Ray node, process and inference thread count of the actor that runs this."""
    import ray
    from docmind.embed.openvino_encoder import inference_threads

    return ray.get_runtime_context().get_node_id(), os.getpid(), inference_threads()


def windows(folder: Path, count: int) -> list[str]:
    """A seeded sample of ``count`` windows of the text files under ``folder``, sorted by length."""
    from docmind.embed.spec import packaged_model_dir
    from docmind.embed.windows import chunk_windows, load_tokenizer

    tokenizer = load_tokenizer(packaged_model_dir())
    texts = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.suffix in {".txt", ".md", ".rst"} and path.is_file()
    ]
    every = [
        window
        for text in texts
        for start in range(0, len(text), 4_000)
        for window in chunk_windows(text[start : start + 4_000], tokenizer, WINDOW).texts
    ]
    return sorted(random.Random(SEED).sample(every, min(count, len(every))), key=len)


def run_pool(address: str, actors: int, batches: list[Any]) -> dict[str, Any]:
    """Embed ``batches`` on ``actors`` batch actors; the timed seconds, the vectors and the actors."""
    import numpy as np
    from docmind.executors.ray.executor import RayExecutor
    from docmind.ingest.embed.calls import encode_windows, load_encoder
    from docmind.settings import Settings

    settings = Settings(data_dir=Path("unused"), executor="ray", ray_address=address)
    with RayExecutor(settings, threading.Event(), batch_actors=actors) as executor:
        runtimes = executor.warm_up(load_encoder, batches[0].spec)
        ran = list(executor.call_stream(where_and_threads, range(actors), per_worker=1))
        started = time.perf_counter()
        vectors = np.concatenate(list(executor.call_stream(encode_windows, batches, per_worker=2)))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "vectors": vectors, "actors": ran, "runtimes": runtimes}


def measure(folder: Path, count: int, rounds: int, node_cpus: int) -> dict[str, Any]:
    """Start the cluster, run the rounds, return the figures (see the module docstring)."""
    import numpy as np
    import ray
    from docmind.embed.spec import embed_spec
    from docmind.executors.ray import runtime as ray_runtime
    from docmind.executors.ray.actor_pool import actor_slots
    from docmind.ingest.embed.calls import EncodeRequest
    from docmind.settings import Settings
    from ray.cluster_utils import Cluster

    spec = embed_spec(Settings(data_dir=Path("unused"), embed=True))
    assert spec is not None
    chosen = windows(folder, count)
    batches = [EncodeRequest(spec, chosen[at : at + BATCH]) for at in range(0, len(chosen), BATCH)]
    began = time.perf_counter()
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={"num_cpus": node_cpus})
    try:
        cluster.add_node(num_cpus=node_cpus)
        cluster.wait_for_nodes()
        assert cluster.address is not None
        ray_runtime.connect(cluster.address, workers=node_cpus)
        cluster_s = time.perf_counter() - began
        slots = len(actor_slots(ray.nodes()))
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for number in range(rounds):
            for actors in (1, 2) if number % 2 == 0 else (2, 1):
                run = run_pool(cluster.address, actors, batches)
                runs[actors].append(run)
                _log.info("round %d, %d actor(s): %.1f s", number + 1, actors, run["seconds"])
        ray_runtime.disconnect()
    finally:
        cluster.shutdown()
    rate = {actors: [len(chosen) / run["seconds"] for run in done] for actors, done in runs.items()}
    one, two = statistics.median(rate[1]), statistics.median(rate[2])
    return {
        "windows": len(chosen),
        "batch": BATCH,
        "node_cpus": node_cpus,
        "cluster_start_s": round(cluster_s, 1),
        "pool_by_rule": slots,
        "one_actor_windows_per_s": round(one, 2),
        "two_actors_windows_per_s": round(two, 2),
        "ratio": round(two / one, 3),
        "rounds_windows_per_s": {str(actors): [round(r, 2) for r in done] for actors, done in rate.items()},
        "actors": {str(actors): [list(a) for a in done[-1]["actors"]] for actors, done in runs.items()},
        "runtimes": sorted({name for done in runs.values() for run in done for name in run["runtimes"]}),
        "max_abs_diff": float(np.max(np.abs(runs[1][-1]["vectors"] - runs[2][-1]["vectors"]))),
    }


def main() -> None:
    """Parse arguments, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description="one embedding actor vs two on a two-node Ray cluster")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--windows", type=int, default=192)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--node-cpus", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = measure(args.folder, args.windows, args.rounds, args.node_cpus)
    print(json.dumps({"event": "ray_embed", **result}), flush=True)


if __name__ == "__main__":
    main()
