"""Index stages: turn the stream of chunks into index files inside a snapshot workspace.

A stage receives every chunk once (``add``) and writes its files at the end (``write``).
BM25 is the only stage today; a dense-embedding stage plugs in beside it with the same two
methods, so the pipeline does not change shape when vectors arrive.
"""

from __future__ import annotations

import json
import logging
import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from docmind.ingest.bm25_terms import bm25_terms
from docmind.ingest.node_records import corpus_record, metadata_str

BM25_DIR = "bm25"
DEFAULT_TOP_K = 10
"""The retriever's default hits per query (fewer when the index holds fewer chunks)."""
RETRIEVER_FILE = "retriever.json"
"""The retriever's own settings, which ``BM25Retriever.from_persist_dir`` reads beside the index."""


def flush_to_disk(folder: Path) -> None:
    """Fsync every file in ``folder`` now, in the worker, so the publish step finds nothing to flush."""
    for item in folder.iterdir():
        if item.is_file():
            with item.open("rb") as handle:
                os.fsync(handle.fileno())


def warm_index_imports(_: None) -> None:
    """Import the BM25 library, in the worker that will build the index or in a preload.

    The argument is unused: this runs as a worker task (``WorkerPool.prepare``), which takes one.
    """
    import bm25s  # noqa: F401


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

    The index equals ``BM25Retriever.from_defaults(nodes)`` on the same nodes, and its files equal
    what that retriever's ``persist`` writes (tests hold it to both), but it is built from
    precomputed terms and without LlamaIndex (``docmind.ingest.node_records``): each chunk's terms
    become token ids as it arrives (compact arrays, not strings), and each chunk is reduced at once
    to the corpus record the retriever persists, so memory holds one copy of the text and four bytes
    per token.
    """

    def __init__(self) -> None:
        self._records: list[dict[str, str]] = []
        self._token_ids: list[array[int]] = []
        self._vocabulary: dict[str, int] = {}
        self._metadata_terms: dict[str, list[str]] = {}

    @property
    def size(self) -> int:
        """Chunks added so far."""
        return len(self._records)

    def add(self, chunk: IndexChunk) -> None:
        """Take one chunk; file and page metadata stay out of the excerpt but are searchable."""
        self._records.append(corpus_record(chunk.node_id, chunk.text, chunk.metadata))
        vocabulary = self._vocabulary
        terms = [*self._terms_of_metadata(metadata_str(chunk.metadata)), *chunk.terms.split()]
        new = [term for term in dict.fromkeys(terms) if term not in vocabulary]  # first-seen order
        vocabulary.update(zip(new, range(len(vocabulary), len(vocabulary) + len(new)), strict=True))
        self._token_ids.append(array("I", map(vocabulary.__getitem__, terms)))

    def _terms_of_metadata(self, text: str) -> list[str]:
        terms = self._metadata_terms.get(text)
        if terms is None:
            terms = self._metadata_terms[text] = bm25_terms([text])[0].split()
        return terms

    def write(self, workspace: Path) -> None:
        """Build the index and persist it to ``workspace/bm25`` as ``BM25Retriever.persist`` would."""
        import bm25s

        target = workspace / BM25_DIR
        target.mkdir()
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25()
        bm25.index((self._token_ids, self._vocabulary), show_progress=False)
        bm25.save(str(target), corpus=self._records, show_progress=False)
        top_k = min(DEFAULT_TOP_K, len(self._records))
        settings = {"similarity_top_k": top_k, "verbose": False, "corpus_weight_mask": None}
        (target / RETRIEVER_FILE).write_text(json.dumps(settings, indent=2), encoding="utf-8")
        flush_to_disk(target)
        self._records, self._token_ids, self._vocabulary, self._metadata_terms = [], [], {}, {}
