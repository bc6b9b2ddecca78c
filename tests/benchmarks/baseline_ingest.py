"""The baseline: a plain, single-process LlamaIndex ingest of a folder, as a script.

``python -m tests.benchmarks.baseline_ingest INPUT_DIR PERSIST_DIR`` reads every document with
``SimpleDirectoryReader(recursive=True)`` (llama-index-readers-file: one Document per PDF page,
through pypdf; HTML through Beautiful Soup, ``html_text_reader``), splits with
``SentenceSplitter(chunk_size=1024, chunk_overlap=200)`` in an
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
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from llama_index.core.readers.base import BaseReader

CHUNK_SIZE = 1024
CHUNK_OVERLAP = 200


def html_text_reader() -> BaseReader:
    """A LlamaIndex reader giving an HTML page's visible text, as DocMind's former extractor did.

    ``SimpleDirectoryReader`` alone reads HTML as plain text, markup included (about twice the
    words); both sides must split the same words. Beautiful Soup with ``html.parser``, ``script``,
    ``style``, ``noscript`` and ``template`` removed, stripped non-empty lines: what a LlamaIndex
    user would write, and the text DocMind's extractor is held equal to.
    """
    from pathlib import Path

    from bs4 import BeautifulSoup
    from llama_index.core import Document
    from llama_index.core.readers.base import BaseReader

    class HTMLText(BaseReader):
        def load_data(self, file: Path, extra_info: dict | None = None, **_: object) -> list[Document]:
            soup = BeautifulSoup(Path(file).read_bytes(), "html.parser")
            for element in soup(["script", "style", "noscript", "template"]):
                element.decompose()
            lines = (line.strip() for line in soup.get_text("\n").splitlines())
            text = "\n".join(line for line in lines if line)
            return [Document(text=text, metadata=extra_info or {})]

    return HTMLText()


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

    documents = SimpleDirectoryReader(
        input_dir, recursive=True, file_extractor={".html": html_text_reader()}
    ).load_data()
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
