"""A snapshot's index opened for search: its segments, their live chunks, BM25 and dense queries.

Opening reads ``index.json`` and each segment's header and deletion marks, maps the segments'
arrays and checks the mapped files' checksums once per process (``verified``). Hits are addressed
by (segment position, chunk number); ``record`` reads one chunk's text and metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from docmind.segments import layout
from docmind.segments.bm25 import LivePart, bm25_scores, top_k
from docmind.segments.dense import dense_top_k
from docmind.segments.manifest import IndexManifest, read_deletes, read_index_manifest
from docmind.segments.reader import SegmentDamagedError, SegmentReader
from docmind.segments.verified import check_files


class SnapshotIndex:
    """The index of one published snapshot, ready for queries; close it when done (a context manager).

    Args:
        snapshot: The snapshot's directory (it stays readable while this object holds its files).
        checksums: Snapshot-relative path → SHA-256 (the snapshot store's manifest): the mapped files
            are checked against it the first time this process maps them.
    """

    def __init__(self, snapshot: Path, checksums: Mapping[str, str]) -> None:
        self.snapshot = snapshot
        self._checksums = checksums
        self.manifest: IndexManifest = read_index_manifest(snapshot)
        self.parts: list[LivePart] = []
        try:
            for entry in self.manifest.segments:
                folder = layout.segment_dir(entry.name)
                check_files(snapshot, [f"{folder}/{name}" for name in layout.MAPPED_FILES], checksums)
                reader = SegmentReader(snapshot / folder)
                live = None
                if entry.deletes is not None:
                    check_files(snapshot, [entry.deletes], checksums)
                    live = np.ones(reader.docs, dtype=bool)
                    live[read_deletes(snapshot / entry.deletes)] = False
                self.parts.append(LivePart(reader, live))
        except BaseException:
            self.close()
            raise
        self._vectors_checked = False

    def __enter__(self) -> SnapshotIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every segment's files."""
        for part in self.parts:
            part.reader.close()

    @property
    def chunks(self) -> int:
        """Chunks in the index."""
        return self.manifest.live_docs

    @property
    def has_vectors(self) -> bool:
        """Whether the index holds window vectors."""
        return self.manifest.dims > 0

    def bm25(self, terms: Sequence[str], k: int) -> list[tuple[int, int, float]]:
        """The ``k`` best chunks for the query ``terms`` by BM25: (part, chunk, score), best first."""
        scores = bm25_scores(self.parts, terms, self.manifest.live_docs, self.manifest.live_len)
        return top_k(scores, k)

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """The ``k`` chunks nearest to ``vector`` (a unit vector): (part, chunk, cosine), best first."""
        if not self._vectors_checked:
            files = [
                f"{layout.segment_dir(part.reader.meta.name)}/{name}"
                for part in self.parts
                if part.reader.meta.windows
                for name in layout.VECTOR_FILES
            ]
            check_files(self.snapshot, files, self._checksums)
            self._vectors_checked = True
        return dense_top_k(self.parts, vector, k)

    def record(self, part: int, doc: int) -> dict[str, Any]:
        """The stored record of chunk ``doc`` of segment ``part``.

        Raises:
            SegmentDamagedError: the record does not match its checksum.
        """
        return self.parts[part].reader.record(doc)


__all__ = ["SegmentDamagedError", "SnapshotIndex"]
