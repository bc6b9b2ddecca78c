"""A Ray node dying mid-job fails only the files it held, after the bounded retry.

Ray's own multi-node test cluster runs two nodes on this machine (one CPU each); the job's driver
is this test process. The worker node is killed while it runs a file (seen in the process table).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docmind.executors.ray import runtime as ray_runtime
from docmind.ingest.publish.summary import IngestSummary
from docmind.segments.file_status import FileStatus
from ray.cluster_utils import Cluster

from tests.support.datadir import assert_store_whole
from tests.support.ray_processes import ray_tasks_under
from tests.support.run_engine import ingest, listing
from tests.support.slow_texts import write_slow_texts

FILES = 6


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={"num_cpus": 1})
    assert cluster.address is not None
    ray_runtime.connect(cluster.address, workers=1)
    yield cluster
    ray_runtime.disconnect()
    cluster.shutdown()


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("slow")
    write_slow_texts(folder, count=FILES, sentences_per_file=50_000)  # seconds each, per node
    return folder


def _ingest_killing_a_node(cluster: Cluster, docs: Path, data: Path, retries: int) -> IngestSummary:
    node = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    raylet = node.all_processes["raylet"][0].process.pid
    result: list[IngestSummary] = []
    job = threading.Thread(
        target=lambda: result.append(
            ingest(data, docs, executor="ray", ray_address=cluster.address, ray_retries=retries)
        )
    )
    job.start()
    deadline = time.monotonic() + 120
    while not ray_tasks_under(raylet, "parse_remote"):
        assert job.is_alive() and time.monotonic() < deadline, "the worker node never ran a file"
        time.sleep(0.02)
    cluster.remove_node(node, allow_graceful=False)
    job.join(300)
    assert result, "the job did not finish"
    return result[0]


def test_a_dead_node_fails_only_its_files_without_retries(
    cluster: Cluster, docs: Path, tmp_path: Path
) -> None:
    summary = _ingest_killing_a_node(cluster, docs, tmp_path, retries=0)
    assert summary.snapshot_id is not None
    assert 1 <= len(summary.files_failed) < FILES
    assert all("died" in failed.error for failed in summary.files_failed)
    statuses = [f.status for f in listing(tmp_path).files]
    assert statuses.count(FileStatus.INDEXED) == FILES - len(summary.files_failed)
    assert assert_store_whole(tmp_path) == summary.snapshot_id


def test_a_dead_node_s_files_are_retried_on_the_other_node(
    cluster: Cluster, docs: Path, tmp_path: Path
) -> None:
    summary = _ingest_killing_a_node(cluster, docs, tmp_path, retries=1)
    assert summary.files_failed == []
    assert summary.files_indexed == FILES
    assert assert_store_whole(tmp_path) == summary.snapshot_id
