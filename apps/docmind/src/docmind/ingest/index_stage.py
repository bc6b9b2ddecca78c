"""The BM25 index stage: turns the stream of chunks into index files inside a snapshot workspace.

A stage receives every chunk once (``add``) and finishes its files at the end (``write``); the
dense stage (``docmind.ingest.vector_stage``) works beside it the same way.
"""

from __future__ import annotations

import json
import logging
import os
from array import array
from dataclasses import dataclass
from pathlib import Path

from docmind.ingest.bm25_terms import bm25_terms
from docmind.ingest.node_records import corpus_record, metadata_str

BM25_DIR = "bm25"
DEFAULT_TOP_K = 10
"""The retriever's default hits per query (fewer when the index holds fewer chunks)."""
CORPUS_FILE = "corpus.jsonl"
"""One JSON record per chunk, in index order (``bm25s``'s corpus file)."""
MMINDEX_FILE = "corpus.mmindex.json"
"""The byte offset of each record's line in ``CORPUS_FILE``, which ``bm25s`` loads it by."""
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


class BM25Stage:
    """A BM25 index written into a workspace in the format of LlamaIndex's ``BM25Retriever``.

    The index equals ``BM25Retriever.from_defaults(nodes)`` on the same nodes, and its files equal
    what that retriever's ``persist`` writes (tests hold it to both), but it is built from
    precomputed terms and without LlamaIndex (``docmind.ingest.node_records``). Memory stays small
    as the corpus grows: each chunk's corpus record goes to ``corpus.jsonl`` as it arrives (with its
    line's offset for the ``mmindex``), and its terms become token ids (four bytes per token).
    Create it, ``add`` every chunk, then ``write``; ``close`` (always safe) releases the open file
    when the build ends early.
    """

    def __init__(self, workspace: Path) -> None:
        self._target = workspace / BM25_DIR
        self._target.mkdir()
        self._corpus = (self._target / CORPUS_FILE).open("wb")
        self._line_starts: list[int] = []
        self._written = 0
        self._token_ids: list[array[int]] = []
        self._vocabulary: dict[str, int] = {}
        self._metadata_terms: dict[str, list[str]] = {}

    @property
    def size(self) -> int:
        """Chunks added so far."""
        return len(self._line_starts)

    def add(self, chunk: IndexChunk) -> None:
        """Take one chunk; file and page metadata stay out of the excerpt but are searchable."""
        record = corpus_record(chunk.node_id, chunk.text, chunk.metadata)
        line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
        self._line_starts.append(self._written)
        self._corpus.write(line)
        self._written += len(line)
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

    def write(self) -> None:
        """Build the index and finish ``workspace/bm25`` as ``BM25Retriever.persist`` would write it."""
        import bm25s

        self.close()
        (self._target / MMINDEX_FILE).write_text(json.dumps(self._line_starts), encoding="utf-8")
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25()
        bm25.index((self._token_ids, self._vocabulary), show_progress=False)
        bm25.save(str(self._target), show_progress=False)  # no corpus given: ours is written
        top_k = min(DEFAULT_TOP_K, self.size)
        settings = {"similarity_top_k": top_k, "verbose": False, "corpus_weight_mask": None}
        (self._target / RETRIEVER_FILE).write_text(json.dumps(settings, indent=2), encoding="utf-8")
        flush_to_disk(self._target)
        self._token_ids, self._vocabulary, self._metadata_terms = [], {}, {}

    def close(self) -> None:
        """Close the corpus file (idempotent)."""
        self._corpus.close()
