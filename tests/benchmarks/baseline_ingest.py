"""The baseline: a plain, single-process LlamaIndex ingest of a folder, as a script.

``python -m tests.benchmarks.baseline_ingest INPUT_DIR PERSIST_DIR`` reads every document with
``SimpleDirectoryReader(recursive=True)`` (llama-index-readers-file: one Document per PDF page,
through pypdf), splits with ``SentenceSplitter(chunk_size=1024, chunk_overlap=200)`` in an
``IngestionPipeline``, builds ``BM25Retriever.from_defaults(nodes=...)`` and persists it. It runs
in its own process so the harness can measure its wall time and peak RSS exactly like DocMind's
CLI. Prints one JSON line: documents, nodes and the seconds spent in each stage (imports too).
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402

CHUNK_SIZE = 1024
CHUNK_OVERLAP = 200


def ingest(input_dir: str, persist_dir: str) -> dict[str, float | int]:
    """Run the baseline ingest and return stage timings and counts."""
    stages: dict[str, float | int] = {}
    mark = time.perf_counter()
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # TeX PDFs flood warnings otherwise
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    now = time.perf_counter()
    stages["import_s"], mark = now - mark, now

    documents = SimpleDirectoryReader(input_dir, recursive=True).load_data()
    now = time.perf_counter()
    stages["load_s"], mark = now - mark, now

    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)]
    )
    nodes = pipeline.run(documents=documents)
    now = time.perf_counter()
    stages["split_s"], mark = now - mark, now

    retriever = BM25Retriever.from_defaults(nodes=list(nodes), verbose=False)
    now = time.perf_counter()
    stages["bm25_build_s"], mark = now - mark, now

    retriever.persist(persist_dir)
    now = time.perf_counter()
    stages["persist_s"] = now - mark
    stages["documents"] = len(documents)
    stages["nodes"] = len(nodes)
    return stages


def main() -> None:
    """Parse arguments, ingest, print the JSON line."""
    parser = argparse.ArgumentParser(description="plain LlamaIndex ingest (benchmark baseline)")
    parser.add_argument("input_dir")
    parser.add_argument("persist_dir")
    args = parser.parse_args()
    stages = ingest(args.input_dir, args.persist_dir)
    stages["total_in_process_s"] = time.perf_counter() - _T0
    print(json.dumps({"event": "baseline", **{k: round(v, 4) for k, v in stages.items()}}), flush=True)


if __name__ == "__main__":
    main()
