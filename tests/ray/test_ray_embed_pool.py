"""Embedding on Ray runs on a pool of actors sized by the cluster: order, vectors, crash and cancel.

Ray's own multi-node test cluster runs two nodes on this machine (two CPUs each, so one actor
each); the driver is this test process, connected as a job's driver is (``ray_runtime.connect``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from docmind.embed.spec import embed_spec
from docmind.executors.errors import IngestCancelled, WorkerCrashedError
from docmind.executors.local.pool import WorkerPool
from docmind.executors.ray import runtime as ray_runtime
from docmind.executors.ray.executor import RayExecutor
from docmind.ingest.embed.calls import EncodeRequest, encode_windows, load_encoder
from docmind.settings import Settings
from ray.cluster_utils import Cluster

from tests.support import worker_tasks
from tests.support.prose import EXTRA_DOCUMENT, QUESTIONS
from tests.support.ray_processes import running_ray_tasks
from tests.support.waits import wait_for_path, wait_until

LONG = 120.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={"num_cpus": 2})
    cluster.add_node(num_cpus=2)
    cluster.wait_for_nodes()
    assert cluster.address is not None
    ray_runtime.connect(cluster.address, workers=2)
    yield cluster
    ray_runtime.disconnect()
    cluster.shutdown()


def _executor(cluster: Cluster, tmp_path: Path, cancel: threading.Event | None = None) -> RayExecutor:
    settings = Settings(data_dir=tmp_path, executor="ray", ray_address=cluster.address or "")
    return RayExecutor(settings, cancel or threading.Event())


def _actors_gone() -> None:
    """Every batch actor's process has exited (``ray.kill`` returns before it has)."""
    wait_until(lambda: running_ray_tasks("BatchWorker") == [], LONG, "every batch actor to exit")


def test_the_pool_has_an_actor_per_two_cpus_of_each_node_and_keeps_the_order(
    cluster: Cluster, tmp_path: Path
) -> None:
    with _executor(cluster, tmp_path) as executor:
        results = list(executor.call_stream(worker_tasks.where_it_ran, range(12), per_worker=2))
    assert [value for value, _, _ in results] == list(range(12))
    assert len({node for _, node, _ in results}) == 2  # one actor on each node
    assert len({pid for _, _, pid in results}) == 2
    _actors_gone()  # their CPUs are free again
    bigger = cluster.add_node(num_cpus=4)  # two more actors' worth
    cluster.wait_for_nodes()
    try:
        with _executor(cluster, tmp_path) as grown:
            ran = list(grown.call_stream(worker_tasks.where_it_ran, range(16), per_worker=2))
        assert [value for value, _, _ in ran] == list(range(16))
        assert len({pid for _, _, pid in ran}) == 4 and len({node for _, node, _ in ran}) == 3
        _actors_gone()
    finally:
        cluster.remove_node(bigger)


def test_vectors_from_the_pool_equal_the_local_pool_s(cluster: Cluster, tmp_path: Path) -> None:
    spec = embed_spec(Settings(data_dir=tmp_path, embed=True))
    assert spec is not None
    texts = [*QUESTIONS, *EXTRA_DOCUMENT[1].split(". ")]
    requests = [EncodeRequest(spec, texts[start : start + 3]) for start in range(0, len(texts), 3)]
    with WorkerPool(1, threading.Event()) as pool:
        pool.warm_up(load_encoder, spec)
        local = np.concatenate(list(pool.call_stream(encode_windows, requests)))
    with _executor(cluster, tmp_path) as executor:
        executor.warm_up(load_encoder, spec)
        on_ray = np.concatenate(list(executor.call_stream(encode_windows, requests)))
    assert on_ray.shape == local.shape == (len(texts), 384)
    np.testing.assert_allclose(on_ray, local, rtol=0, atol=1e-5)
    _actors_gone()


def test_an_actor_that_dies_fails_the_stream_and_every_actor_ends(cluster: Cluster, tmp_path: Path) -> None:
    with _executor(cluster, tmp_path) as executor:
        stream = executor.call_stream(worker_tasks.crash, [9, 9, 9, 9])
        with pytest.raises(WorkerCrashedError, match="died"):
            next(stream)
        _actors_gone()
        assert list(executor.call_stream(worker_tasks.echo, [1, 2])) == [1, 2]  # a new pool


def test_a_cancel_kills_every_actor_at_once(cluster: Cluster, tmp_path: Path) -> None:
    cancel = threading.Event()
    marks = [tmp_path / f"running-{number}" for number in range(4)]
    with _executor(cluster, tmp_path, cancel) as executor:
        stream = executor.call_stream(worker_tasks.block_after_writing_pid, [str(m) for m in marks])

        def cancel_once_both_run() -> None:
            wait_for_path(marks[0], LONG)
            wait_for_path(marks[1], LONG)  # the second call went to the other actor
            cancel.set()

        canceller = threading.Thread(target=cancel_once_both_run)
        canceller.start()
        with pytest.raises(IngestCancelled):
            next(stream)
        canceller.join()
        _actors_gone()
