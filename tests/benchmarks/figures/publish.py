"""Publish time: ``Workspace.commit`` of a snapshot holding a BM25 index of 1k vs 10k chunks.

The index is built once per size with DocMind's own ``BM25Stage`` (chunks of about 1,000
characters of generated prose, with file/page metadata) into a template folder. Each repetition
copies it into a fresh workspace (not timed, so its pages are dirty as after a real build), times
``seal_all`` (fsync + SHA-256 of every file, which the pipeline does at the end of its index phase)
and then ``commit`` alone, the publish: stamp checks, manifest, directory fsyncs, rename, CURRENT.
The figure keeps every snapshot; the same commits with retention deleting the oldest snapshot (a
cost that grows with the deleted snapshot's size, paid after the new one is active) are reported
beside it.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

from tests.benchmarks.figures import Context
from tests.benchmarks.measure import median
from tests.benchmarks.report import Figure
from tests.support.corpus import sentences

SIZES = (1_000, 10_000)
TARGET_MS = 50.0
FLAT_RATIO = 1.5  # "flat": 10x the chunks may cost at most 1.5x the time
RETENTION = 5


def build_index_template(size: int, target: Path, seed: int) -> int:
    """Write one segment of ``size`` chunks (40 per file) into ``target``; return the bytes written."""
    from docmind.segments import layout
    from docmind.segments.bm25_terms import bm25_terms
    from docmind.segments.node_records import corpus_record
    from docmind.segments.writer import SegmentChunk, SegmentFileInput, SegmentWriter

    rng = random.Random(seed)
    texts = [sentences(rng, 9) for _ in range(size)]
    target.mkdir(parents=True)
    terms = bm25_terms(texts)
    with SegmentWriter(target / layout.segment_dir("bench"), "bench") as writer:
        for first in range(0, size, 40):
            name = f"library/doc-{first // 40:04d}.pdf"
            chunks = []
            for i in range(first, min(first + 40, size)):
                metadata = {"file": name, "source": "library", "page": str(i % 40 + 1)}
                node_id = f"{i:016x}-doc-{i // 40:04d}-{i % 40}"
                record = corpus_record(node_id, texts[i], metadata)
                chunks.append(SegmentChunk(node_id, record, terms[i].split()))
            writer.add_file(SegmentFileInput(name, "library", f"{first:064x}"), chunks)
        writer.finish()
    return sum(p.stat().st_size for p in target.rglob("*") if p.is_file())


def commit_times(
    template: Path, root: Path, repetitions: int, retention: int
) -> tuple[list[float], list[float]]:
    """Time ``seal_all`` (what the index phase does after the build) and then ``commit`` (the publish).

    With ``retention`` above ``repetitions`` no commit deletes an old snapshot; with a small one each
    commit also removes the oldest (step 8, after the new snapshot is active and the lock released).
    """
    from docmind_snapshots import SnapshotStore

    store = SnapshotStore(root, retention=retention)
    seals, commits = [], []
    for number in range(repetitions + 1):
        with store.begin(owner="bench") as workspace:
            for item in template.iterdir():
                if item.is_dir():
                    shutil.copytree(item, workspace.path / item.name)
                else:
                    shutil.copy2(item, workspace.path / item.name)
            started = time.perf_counter()
            workspace.seal_all()
            sealed = time.perf_counter()
            workspace.commit({"chunks": number})
            if number:  # the first commit creates CURRENT: not representative, not counted
                seals.append(sealed - started)
                commits.append(time.perf_counter() - sealed)
    return seals, commits


def publish_figures(ctx: Context) -> list[Figure]:
    """Median commit time at 10k chunks (target ≤ 50 ms) and the 10k/1k ratio (flat: ≤ 1.5×)."""
    repetitions = 3 if ctx.quick else 9
    results = {}
    for size in SIZES:
        scratch = ctx.fresh_dir(f"publish-{size}")
        try:
            index_bytes = build_index_template(size, scratch / "template", ctx.seed + size)
            keep_all = repetitions + 2
            seals, times = commit_times(scratch / "template", scratch / "store", repetitions, keep_all)
            _, pruning = commit_times(scratch / "template", scratch / "pruned", repetitions, RETENTION)
            results[size] = {
                "median_ms": median(times) * 1000,
                "seal_median_ms": median(seals) * 1000,
                "with_retention_median_ms": median(pruning) * 1000,
                "index_mb": index_bytes / 1e6,
                "times_ms": [round(t * 1000, 2) for t in times],
                "seal_times_ms": [round(t * 1000, 2) for t in seals],
                "with_retention_times_ms": [round(t * 1000, 2) for t in pruning],
            }
        finally:
            ctx.discard(scratch)
    small, large = results[SIZES[0]], results[SIZES[1]]
    print(f"[publish] 1k {small['median_ms']:.1f} ms, 10k {large['median_ms']:.1f} ms", flush=True)
    how = (
        f"1k chunks ({small['index_mb']:.1f} MB index) {small['median_ms']:.1f} ms vs 10k chunks "
        f"({large['index_mb']:.1f} MB) {large['median_ms']:.1f} ms; median of {repetitions} commits, each "
        "after `seal_all` in the index phase (fsync + SHA-256 of the files: "
        f"1k {small['seal_median_ms']:.1f} ms, 10k {large['seal_median_ms']:.1f} ms); when retention "
        f"({RETENTION} kept) also deletes the oldest snapshot after the publish: "
        f"1k {small['with_retention_median_ms']:.1f} ms, 10k {large['with_retention_median_ms']:.1f} ms"
    )
    details = {str(k): v for k, v in results.items()}
    return [
        Figure(
            "publish",
            "Publish (Workspace.commit) at 10k chunks",
            large["median_ms"],
            " ms",
            "<=",
            TARGET_MS,
            how,
            details,
        ),
        Figure(
            "publish_flat",
            "Publish time 10k / 1k chunks (flat)",
            large["median_ms"] / small["median_ms"],
            "×",
            "<=",
            FLAT_RATIO,
            how,
            details,
        ),
    ]
