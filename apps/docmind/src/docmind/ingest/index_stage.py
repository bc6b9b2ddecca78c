"""Index stages: turn the stream of chunks into index files inside a snapshot workspace.

A stage receives every chunk once (``add``) and writes its files at the end (``write``).
BM25 is the only stage today; a dense-embedding stage plugs in beside it with the same two
methods, so the pipeline does not change shape when vectors arrive.
"""

from __future__ import annotations

import logging
import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from docmind.ingest.bm25_terms import bm25_terms

BM25_DIR = "bm25"


def flush_to_disk(folder: Path) -> None:
    """Fsync every file in ``folder`` now, in the worker, so the publish step finds nothing to flush."""
    for item in folder.iterdir():
        if item.is_file():
            with item.open("rb") as handle:
                os.fsync(handle.fileno())


def warm_index_imports(_: None) -> None:
    """Import the index libraries, in the worker that will build the index or in a preload.

    The argument is unused: this runs as a worker task (``WorkerPool.prepare``), which takes one.
    """
    import llama_index.core.schema
    import llama_index.core.vector_stores.utils
    import llama_index.retrievers.bm25  # noqa: F401


@dataclass(frozen=True)
class IndexChunk:
    """One chunk as the index stages receive it: id, text, metadata and its BM25 terms (of the text)."""

    node_id: str
    text: str
    metadata: dict[str, str]
    terms: str


class IndexStage(Protocol):
    """One index built from the chunk stream."""

    def add(self, chunk: IndexChunk) -> None:
        """Take one chunk."""

    def write(self, workspace: Path) -> None:
        """Write the index files into ``workspace`` (called once, after the last ``add``)."""


class BM25Stage:
    """A BM25 index persisted in the format of LlamaIndex's ``BM25Retriever``.

    The index equals ``BM25Retriever.from_defaults(nodes)`` on the same nodes (a test holds it to
    that), but it is built from precomputed terms: each chunk's terms become token ids as it
    arrives (compact arrays, not strings), and each node is reduced at once to the corpus record
    the retriever persists, so memory holds one copy of the text and four bytes per token.
    """

    def __init__(self) -> None:
        from llama_index.core.schema import MetadataMode, TextNode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        self._node_type = TextNode
        self._embed_mode = MetadataMode.EMBED
        self._to_record = node_to_metadata_dict
        self._records: list[dict[str, Any]] = []
        self._token_ids: list[array[int]] = []
        self._vocabulary: dict[str, int] = {}
        self._metadata_terms: dict[str, list[str]] = {}

    @property
    def size(self) -> int:
        """Chunks added so far."""
        return len(self._records)

    def add(self, chunk: IndexChunk) -> None:
        """Take one chunk; file and page metadata stay out of the excerpt but are searchable."""
        node = self._node_type(id_=chunk.node_id, text=chunk.text, metadata=chunk.metadata)
        # The record format of BM25Retriever.__init__: what its persist() writes to corpus.jsonl.
        self._records.append(self._to_record(node) | {"node_id": node.node_id})
        vocabulary = self._vocabulary
        terms = [*self._terms_of_metadata(node.get_metadata_str(self._embed_mode)), *chunk.terms.split()]
        self._token_ids.append(array("I", [vocabulary.setdefault(term, len(vocabulary)) for term in terms]))

    def _terms_of_metadata(self, text: str) -> list[str]:
        terms = self._metadata_terms.get(text)
        if terms is None:
            terms = self._metadata_terms[text] = bm25_terms([text])[0].split()
        return terms

    def write(self, workspace: Path) -> None:
        """Build and persist the retriever to ``workspace/bm25``."""
        import bm25s
        from llama_index.retrievers.bm25 import BM25Retriever

        target = workspace / BM25_DIR
        target.mkdir()
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25()
        bm25.index((self._token_ids, self._vocabulary), show_progress=False)
        bm25.corpus = self._records
        top_k = min(10, len(self._records))
        retriever = BM25Retriever(existing_bm25=bm25, similarity_top_k=top_k, verbose=False)
        retriever.persist(str(target), show_progress=False)
        flush_to_disk(target)
        self._records, self._token_ids, self._vocabulary, self._metadata_terms = [], [], {}, {}
