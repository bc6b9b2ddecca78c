"""Dense search over segments finds what one exact search over the live windows finds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from docmind.segments import layout
from docmind.segments.manifest import IndexManifest, SegmentEntry, write_deletes
from docmind.segments.merge import merge_segments
from docmind.segments.snapshot_index import SnapshotIndex
from docmind.segments.writer import SegmentChunk, SegmentFileInput, SegmentWriter

DIMS = 16


def _unit(rng: np.random.Generator, rows: int) -> np.ndarray:
    matrix = rng.standard_normal((rows, DIMS)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _checksums(snapshot: Path) -> dict[str, str]:
    return {
        p.relative_to(snapshot).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in snapshot.rglob("*")
        if p.is_file()
    }


def _build(snapshot: Path, rng: np.random.Generator) -> dict[tuple[int, int], np.ndarray]:
    """Three segments of 40 chunks with 1-5 windows each; chunks 5-14 of the second deleted."""
    windows: dict[tuple[int, int], np.ndarray] = {}
    entries = []
    for position in range(3):
        name = layout.segment_name(position + 1, "0a0b0c")
        with SegmentWriter(snapshot / layout.segment_dir(name), name) as writer:
            chunks = []
            for doc in range(40):
                vectors = _unit(rng, int(rng.integers(1, 6)))
                windows[(position, doc)] = vectors
                chunks.append(
                    SegmentChunk(f"n{position}-{doc}", {"node_id": f"n{position}-{doc}"}, ["w"], vectors)
                )
            writer.add_file(SegmentFileInput("f", "s", "0" * 64), chunks)
            writer.finish()
        deletes = None
        deleted = 0
        if position == 1:
            deletes = layout.deletes_file(name, 1)
            write_deletes(snapshot / deletes, np.arange(5, 15))
            deleted = 10
            for doc in range(5, 15):
                windows.pop((position, doc))
        entries.append(
            SegmentEntry(name=name, docs=40, deleted=deleted, deletes=deletes, live_len=40 - deleted)
        )
    (snapshot / layout.INDEX_FILE).write_text(
        IndexManifest(segments=tuple(entries), dims=DIMS).model_dump_json()
    )
    return windows


def _exact(
    windows: dict[tuple[int, int], np.ndarray], query: np.ndarray, k: int
) -> list[tuple[int, int, float]]:
    best = {key: float(np.float32((vectors @ query).max())) for key, vectors in windows.items()}
    return [(p, d, s) for (p, d), s in sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]]


def test_dense_top_k_equals_an_exact_search_over_the_live_windows(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    windows = _build(tmp_path, rng)
    with SnapshotIndex(tmp_path, _checksums(tmp_path)) as index:
        for query in _unit(rng, 20):
            ours = index.dense(query, 10)
            theirs = _exact(windows, query, 10)
            assert [(p, d) for p, d, _ in ours] == [(p, d) for p, d, _ in theirs]
            assert np.allclose([s for *_, s in ours], [s for *_, s in theirs], atol=1e-5)
            assert all((1, d) not in {(p, dd) for p, dd, _ in ours} for d in range(5, 15))


def test_a_merge_keeps_every_live_window(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    windows = _build(tmp_path / "before", rng)
    queries = _unit(rng, 10)
    with SnapshotIndex(tmp_path / "before", _checksums(tmp_path / "before")) as index:
        before = [[index.record(p, d)["node_id"] for p, d, _ in index.dense(q, 8)] for q in queries]
        name = layout.segment_name(7, "0a0b0c")
        meta = merge_segments(index.parts, tmp_path / "after" / layout.segment_dir(name), name)
    assert meta.windows == sum(len(v) for v in windows.values())
    entry = SegmentEntry(name=name, docs=meta.docs, live_len=meta.total_len, live_windows=meta.windows)
    (tmp_path / "after" / layout.INDEX_FILE).write_text(
        IndexManifest(segments=(entry,), dims=DIMS).model_dump_json()
    )
    with SnapshotIndex(tmp_path / "after", _checksums(tmp_path / "after")) as merged:
        after = [[merged.record(p, d)["node_id"] for p, d, _ in merged.dense(q, 8)] for q in queries]
    assert after == before


def test_a_large_segment_gets_an_approximate_index_searched_through_the_same_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss
    from docmind.segments import vectors

    monkeypatch.setattr(vectors, "APPROX_MIN_WINDOWS", 50)  # 120 windows count as large
    rng = np.random.default_rng(8)
    windows = _build(tmp_path, rng)
    with SnapshotIndex(tmp_path, _checksums(tmp_path)) as index:
        kinds = {type(part.reader.vectors()[0]).__name__ for part in index.parts}
        assert kinds == {"IndexIVFFlat"}
        assert all(isinstance(part.reader.vectors()[0], faiss.IndexIVF) for part in index.parts)
        for query in _unit(rng, 10):
            # Fewer lists than NPROBE here: every list is scanned, so the answer is exact.
            ours = index.dense(query, 10)
            assert [(p, d) for p, d, _ in ours] == [(p, d) for p, d, _ in _exact(windows, query, 10)]
