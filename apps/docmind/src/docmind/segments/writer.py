"""Writing one segment: chunks go in one file at a time; ``finish`` writes the rest and the header.

Memory is bounded by the segment, not the corpus: each chunk's record goes to ``records.jsonl`` as
it arrives; its terms are kept as (term id, chunk, frequency) triples (12 bytes per distinct term of
a chunk) and its window vectors as arrays until ``finish``. Callers bound a segment's size
(``SegmentBudget``) and start another one when it is reached.
"""

from __future__ import annotations

import json
import os
import zlib
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from docmind.segments import layout
from docmind.segments.meta import FileSpan, SegmentMeta
from docmind.segments.vectors import vector_index


@dataclass(frozen=True)
class SegmentChunk:
    """One chunk as a segment takes it: its record, its BM25 terms and its window vectors."""

    node_id: str
    record: Mapping[str, object]
    terms: Sequence[str]
    vectors: np.ndarray | None = None


@dataclass(frozen=True)
class SegmentFileInput:
    """A file's identity as a segment records it (its chunk range is the writer's to assign)."""

    path: str
    source: str
    sha256: str
    size: int = 0
    stamp: str = ""
    pages: int = 0


class SegmentWriter:
    """Builds the segment ``name`` in ``folder`` (created; must not exist). A context manager."""

    def __init__(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True)
        self.folder = folder
        self.name = name
        self._records = (folder / layout.RECORDS).open("wb")
        self._offsets = array("Q", [0])
        self._crcs = array("I")
        self._vocabulary: dict[str, int] = {}
        self._term_ids = array("I")
        self._docs = array("I")
        self._tfs = array("I")
        self._lengths = array("I")
        self._files: list[FileSpan] = []
        self._vectors: list[np.ndarray] = []
        self._parents = array("I")
        self._finished = False

    def __enter__(self) -> SegmentWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._records.close()

    @property
    def docs(self) -> int:
        """Chunks added so far."""
        return len(self._lengths)

    @property
    def text_bytes(self) -> int:
        """Bytes of records written so far."""
        return self._offsets[-1]

    def add_file(self, file: SegmentFileInput, chunks: Sequence[SegmentChunk]) -> FileSpan:
        """Add every chunk of ``file`` (contiguous chunk numbers) and return its span."""
        span = FileSpan(
            path=file.path,
            source=file.source,
            sha256=file.sha256,
            size=file.size,
            stamp=file.stamp,
            pages=file.pages,
            first=self.docs,
            chunks=len(chunks),
        )
        for chunk in chunks:
            self._add_chunk(chunk)
        self._files.append(span)
        return span

    def _add_chunk(self, chunk: SegmentChunk) -> None:
        doc = self.docs
        line = json.dumps(dict(chunk.record), ensure_ascii=False).encode() + b"\n"
        self._records.write(line)
        self._offsets.append(self._offsets[-1] + len(line))
        self._crcs.append(zlib.crc32(line))
        vocabulary = self._vocabulary
        for term, tf in Counter(chunk.terms).items():
            term_id = vocabulary.get(term)
            if term_id is None:
                term_id = vocabulary[term] = len(vocabulary)
            self._term_ids.append(term_id)
            self._docs.append(doc)
            self._tfs.append(tf)
        self._lengths.append(len(chunk.terms))
        if chunk.vectors is not None and len(chunk.vectors):
            self._vectors.append(np.asarray(chunk.vectors, dtype=np.float32))
            self._parents.extend([doc] * len(chunk.vectors))

    def finish(self) -> SegmentMeta:
        """Write the postings, lengths, vectors and the header, fsync everything; return the header."""
        if self._finished:
            raise RuntimeError(f"segment {self.name} was already finished")
        self._finished = True
        self._records.close()
        folder = self.folder
        np.save(folder / layout.RECORD_OFFSETS, np.frombuffer(self._offsets, dtype=np.uint64))
        np.save(folder / layout.RECORD_CRCS, np.frombuffer(self._crcs, dtype=np.uint32))
        np.save(folder / layout.DOC_LENGTHS, np.frombuffer(self._lengths, dtype=np.uint32))
        terms, tf_dtype = self._write_postings()
        dims = self._write_vectors()
        meta = SegmentMeta(
            name=self.name,
            docs=self.docs,
            total_len=int(np.frombuffer(self._lengths, dtype=np.uint32).sum(dtype=np.int64)),
            terms=terms,
            postings=len(self._docs),
            tf_dtype=tf_dtype,
            windows=len(self._parents),
            dims=dims,
            files=tuple(self._files),
        )
        (folder / layout.SEGMENT_META).write_text(meta.model_dump_json(), encoding="utf-8")
        fsync_folder(folder)
        return meta

    def _write_postings(self) -> tuple[int, str]:
        """Write the vocabulary (sorted by bytes) and the postings grouped by term; return count, tf dtype."""
        encoded = [term.encode() for term in self._vocabulary]
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        rank = np.empty(len(encoded), dtype=np.uint32)
        rank[order] = np.arange(len(encoded), dtype=np.uint32)
        vocab = b"".join(encoded[i] for i in order)
        lengths = np.fromiter((len(encoded[i]) for i in order), dtype=np.uint64, count=len(order))
        (self.folder / layout.VOCAB).write_bytes(vocab)
        np.save(
            self.folder / layout.VOCAB_OFFSETS, np.concatenate(([0], np.cumsum(lengths))).astype(np.uint64)
        )
        term_ranks = rank[np.frombuffer(self._term_ids, dtype=np.uint32)]
        by_term = np.argsort(term_ranks, kind="stable")  # chunks stay ascending within a term
        counts = np.bincount(term_ranks, minlength=len(encoded)).astype(np.uint64)
        np.save(self.folder / layout.POSTINGS_PTR, np.concatenate(([0], np.cumsum(counts))).astype(np.uint64))
        np.save(self.folder / layout.POSTINGS_DOCS, np.frombuffer(self._docs, dtype=np.uint32)[by_term])
        tfs = np.frombuffer(self._tfs, dtype=np.uint32)[by_term]
        tf_dtype = "uint16" if tfs.size == 0 or int(tfs.max()) <= np.iinfo(np.uint16).max else "uint32"
        np.save(self.folder / layout.POSTINGS_TFS, tfs.astype(tf_dtype))
        return len(encoded), tf_dtype

    def _write_vectors(self) -> int:
        if not self._vectors:
            return 0
        import faiss

        matrix = np.ascontiguousarray(np.vstack(self._vectors))
        self._vectors = []
        faiss.write_index(vector_index(matrix), str(self.folder / layout.VECTORS))
        np.save(self.folder / layout.VECTOR_PARENTS, np.frombuffer(self._parents, dtype=np.uint32))
        return int(matrix.shape[1])


def fsync_folder(folder: Path) -> None:
    """Fsync every file of ``folder`` now, so that publishing finds nothing left to flush."""
    for item in folder.iterdir():
        with item.open("rb") as handle:
            os.fsync(handle.fileno())
