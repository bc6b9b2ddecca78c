"""The dense index of a snapshot: one FAISS row per embedded window, and each row's chunk.

Written into ``<workspace>/vectors/``: ``index.faiss`` (an exact inner-product index of the
L2-normalised window vectors, so scores are cosine similarities), persisted through LlamaIndex's
``FaissVectorStore``, and ``parents.npy`` (row → ordinal of the chunk in the BM25 corpus, which
holds each chunk's text and metadata once). Search opens both memory-mapped, read-only.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from docmind.ingest.index_stage import flush_to_disk

VECTORS_DIR = "vectors"
INDEX_FILE = "index.faiss"
PARENTS_FILE = "parents.npy"


class VectorStage:
    """Collects window vectors with their chunk ordinals, then writes the dense index."""

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []
        self._parents: array[int] = array("I")

    @property
    def windows(self) -> int:
        """Windows added so far."""
        return len(self._parents)

    def add(self, parent: int, vectors: np.ndarray) -> None:
        """Take the vectors (one row per window) of the chunk with ordinal ``parent``."""
        if len(vectors):
            self._blocks.append(np.asarray(vectors, dtype=np.float32))
            self._parents.extend([parent] * len(vectors))

    def write(self, workspace: Path) -> int:
        """Write ``workspace/vectors``; return the vector size (nothing is written without windows)."""
        if not self._blocks:
            return 0
        import faiss
        from llama_index.vector_stores.faiss import FaissVectorStore

        matrix = np.ascontiguousarray(np.vstack(self._blocks))
        self._blocks = []
        index = faiss.IndexFlatIP(matrix.shape[1])
        index.add(matrix)  # pyright: ignore[reportCallIssue]
        target = workspace / VECTORS_DIR
        target.mkdir()
        FaissVectorStore(faiss_index=index).persist(str(target / INDEX_FILE))
        np.save(target / PARENTS_FILE, np.frombuffer(self._parents, dtype=np.uint32).astype(np.int32))
        flush_to_disk(target)
        return int(matrix.shape[1])
