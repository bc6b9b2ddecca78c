"""Index stages: turn the stream of chunks into index files inside a snapshot workspace.

A stage receives every chunk once (``add``) and writes its files at the end (``write``).
BM25 is the only stage today; a dense-embedding stage plugs in beside it with the same two
methods, so the pipeline does not change shape when vectors arrive.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Protocol

BM25_DIR = "bm25"


def flush_to_disk(folder: Path) -> None:
    """Fsync every file in ``folder`` now, in the worker, so the publish step finds nothing to flush."""
    for item in folder.iterdir():
        if item.is_file():
            with item.open("rb") as handle:
                os.fsync(handle.fileno())


def warm_index_imports() -> None:
    """Import the index libraries (worker preload: forked workers then start with them loaded)."""
    import llama_index.core.schema
    import llama_index.retrievers.bm25  # noqa: F401


class IndexStage(Protocol):
    """One index built from the chunk stream."""

    def add(self, node_id: str, text: str, metadata: dict[str, str]) -> None:
        """Take one chunk."""

    def write(self, workspace: Path) -> None:
        """Write the index files into ``workspace`` (called once, after the last ``add``)."""


class BM25Stage:
    """A BM25 index persisted in the format of LlamaIndex's ``BM25Retriever``."""

    def __init__(self) -> None:
        from llama_index.core.schema import TextNode

        self._node_type = TextNode
        self._nodes: list[Any] = []

    @property
    def size(self) -> int:
        """Chunks added so far."""
        return len(self._nodes)

    def add(self, node_id: str, text: str, metadata: dict[str, str]) -> None:
        """Take one chunk; file and page metadata stay out of the excerpt but are searchable."""
        self._nodes.append(self._node_type(id_=node_id, text=text, metadata=metadata))

    def write(self, workspace: Path) -> None:
        """Build and persist the retriever to ``workspace/bm25``."""
        from llama_index.retrievers.bm25 import BM25Retriever

        target = workspace / BM25_DIR
        target.mkdir()
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        top_k = min(10, len(self._nodes))
        retriever = BM25Retriever.from_defaults(nodes=self._nodes, similarity_top_k=top_k, verbose=False)
        retriever.persist(str(target), show_progress=False)
        flush_to_disk(target)
        self._nodes = []
