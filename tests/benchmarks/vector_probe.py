"""One vector store, built or queried in its own process, for the store comparison (``vectors``).

``python -m tests.benchmarks.vector_probe build STORE COUNT FOLDER`` writes ``COUNT`` seeded random
unit vectors (384 dims, float32) into a new store in ``FOLDER`` and prints one JSON line with the
build seconds (write included) and the bytes on disk.

``python -m tests.benchmarks.vector_probe query STORE FOLDER IDS_OUT`` opens that store the way a
search would (FAISS: ``read_index`` with a memory-map flag; LanceDB: ``open_table``), runs 200
seeded top-10 queries one by one, saves the ids found (``IDS_OUT``, ``.npy``) and prints one JSON
line: seconds to open, every query's milliseconds, and the memory the store added to this process
(RSS, PSS and anonymous memory after the queries minus before the open; the numbers and the query
vectors exist before the first measurement).

Stores: ``faiss_flat`` (``IndexFlatIP``, exact, opened with ``IO_FLAG_MMAP``, which maps only IVF
lists: a flat index is read into anonymous memory), ``faiss_flat_ifc`` (the same file opened with
``IO_FLAG_MMAP_IFC``: the flat codes stay memory-mapped, file-backed pages shared with the page
cache), ``lancedb_flat`` (table without an index: exact scan), ``lancedb_ivfpq`` (the same table
with an IVF_PQ index, approximate, dot product).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import psutil

DIMS = 384
QUERIES = 200
TOP_K = 10
DATA_SEED = 384
QUERY_SEED = 385
STORES = ("faiss_flat", "faiss_flat_ifc", "lancedb_flat", "lancedb_ivfpq")
PQ_SUB_VECTORS = 48  # 8 dimensions per sub-vector


def unit_vectors(count: int, seed: int) -> npt.NDArray[np.float32]:
    """``count`` random unit vectors of ``DIMS`` float32 dimensions (reproducible for a seed)."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, DIMS), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def ivf_partitions(count: int) -> int:
    """IVF partitions for ``count`` vectors: about sqrt(count) / 5 (64 at 100k, 20 at 10k)."""
    return max(8, round(math.sqrt(count) / 5))


def disk_bytes(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _memory() -> dict[str, int]:
    """RSS and PSS of this process (psutil) and its anonymous memory (``smaps_rollup``), in bytes."""
    info = psutil.Process().memory_full_info()
    anonymous = 0
    for line in Path("/proc/self/smaps_rollup").read_text(encoding="ascii").splitlines():
        if line.startswith("Anonymous:"):
            anonymous = int(line.split()[1]) * 1024
    return {"rss": info.rss, "pss": getattr(info, "pss", 0), "anonymous": anonymous}


def _lance_table(vectors: npt.NDArray[np.float32]) -> Any:
    import pyarrow as pa

    flat = pa.array(vectors.reshape(-1), type=pa.float32())
    return pa.table(
        {
            "id": pa.array(np.arange(len(vectors), dtype=np.int64)),
            "vector": pa.FixedSizeListArray.from_arrays(flat, DIMS),
        }
    )


def build(store: str, count: int, folder: Path) -> dict[str, Any]:
    """Write the store; return its build timings (seconds) and size on disk."""
    vectors = unit_vectors(count, DATA_SEED)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"store": store, "count": count}
    started = time.perf_counter()
    if store.startswith("faiss"):
        import faiss

        index = faiss.IndexFlatIP(DIMS)
        index.add(vectors)  # pyright: ignore[reportCallIssue]
        faiss.write_index(index, str(folder / "vectors.faiss"))
    else:
        import lancedb
        from lancedb.index import IvfPq

        table = lancedb.connect(str(folder)).create_table("vectors", data=_lance_table(vectors))
        out["table_s"] = time.perf_counter() - started
        if store == "lancedb_ivfpq":
            out["partitions"] = ivf_partitions(count)
            config = IvfPq(
                distance_type="dot", num_partitions=out["partitions"], num_sub_vectors=PQ_SUB_VECTORS
            )
            table.create_index("vector", config=config)
            out["index_s"] = time.perf_counter() - started - out["table_s"]
    out["build_s"] = time.perf_counter() - started
    out["disk_bytes"] = disk_bytes(folder)
    return out


def query(store: str, folder: Path, ids_out: Path) -> dict[str, Any]:
    """Open the store, run the queries; return open time, per-query times and the memory added."""
    queries = unit_vectors(QUERIES, QUERY_SEED)
    found = np.zeros((QUERIES, TOP_K), dtype=np.int64)
    if store.startswith("faiss"):
        import faiss

        flag = faiss.IO_FLAG_MMAP_IFC if store == "faiss_flat_ifc" else faiss.IO_FLAG_MMAP
        before = _memory()
        started = time.perf_counter()
        index = faiss.read_index(str(folder / "vectors.faiss"), flag)

        def search(row: int) -> None:
            _, ids = index.search(queries[row : row + 1], TOP_K)  # pyright: ignore[reportCallIssue]
            found[row] = ids[0]

    else:
        import lancedb

        before = _memory()
        started = time.perf_counter()
        from lancedb.query import LanceVectorQueryBuilder

        table = lancedb.connect(str(folder)).open_table("vectors")

        def search(row: int) -> None:
            builder = table.search(queries[row])
            assert isinstance(builder, LanceVectorQueryBuilder)
            hits = builder.distance_type("dot").limit(TOP_K).to_arrow()
            ids = hits.column("id").to_numpy()
            found[row, : len(ids)] = ids

    open_s = time.perf_counter() - started
    times_ms = []
    for row in range(QUERIES):
        begin = time.perf_counter()
        search(row)
        times_ms.append((time.perf_counter() - begin) * 1000)
    after = _memory()
    np.save(ids_out, found)
    return {
        "store": store,
        "open_s": open_s,
        "query_ms": times_ms,
        **{f"{k}_delta": after[k] - before[k] for k in after},
        **{f"{k}_after": after[k] for k in after},
    }


def main() -> None:
    """Parse arguments, build or query, print the JSON line."""
    parser = argparse.ArgumentParser(description="build or query one vector store (benchmark)")
    sub = parser.add_subparsers(dest="action", required=True)
    make = sub.add_parser("build")
    make.add_argument("store", choices=STORES)
    make.add_argument("count", type=int)
    make.add_argument("folder", type=Path)
    ask = sub.add_parser("query")
    ask.add_argument("store", choices=STORES)
    ask.add_argument("folder", type=Path)
    ask.add_argument("ids_out", type=Path)
    args = parser.parse_args()
    if args.action == "build":
        result = build(args.store, args.count, args.folder)
    else:
        result = query(args.store, args.folder, args.ids_out)
    print(json.dumps({"event": f"vectors_{args.action}", **result}), flush=True)


if __name__ == "__main__":
    main()
