"""Reading one segment: its arrays memory-mapped, its records read one at a time by offset.

Opening a segment reads its header and maps its arrays: nothing is loaded whole, so a process
that searches a large index pays for the pages its queries touch. Each record's line carries a
CRC-32 (``records.crc.npy``), checked when the line is read; a mismatch raises
:class:`SegmentDamagedError`, never returns other text. The mapped files are checked as a whole
by the snapshot reader when a process first maps them (``docmind.segments.verified``).

A reader keeps its files open: a segment that a newer snapshot no longer names, or whose snapshot
retention removed, stays readable until the reader is closed (the file system frees it then).
"""

from __future__ import annotations

import json
import mmap
import os
import zlib
from bisect import bisect_left
from pathlib import Path
from typing import Any

import numpy as np

from docmind.segments import layout
from docmind.segments.meta import FORMAT, SegmentHeader


class SegmentDamagedError(Exception):
    """A segment's file does not hold what its checksum or header says; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class SegmentReader:
    """One segment opened for search; thread-safe for reads. Close it when done (a context manager)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            self.meta = SegmentHeader.model_validate_json((folder / layout.SEGMENT_META).read_bytes())
        except ValueError as exc:
            raise SegmentDamagedError(
                str(folder / layout.SEGMENT_META), f"unreadable header ({exc})"
            ) from exc
        if self.meta.format != FORMAT:
            raise SegmentDamagedError(str(folder), f"unknown segment format {self.meta.format}")
        self._record_fd = os.open(folder / layout.RECORDS, os.O_RDONLY)
        self.record_offsets = _load(folder / layout.RECORD_OFFSETS)
        self.record_crcs = _load(folder / layout.RECORD_CRCS)
        self.doc_lengths = _load(folder / layout.DOC_LENGTHS)
        self.vocab_offsets = _load(folder / layout.VOCAB_OFFSETS)
        self.postings_ptr = _load(folder / layout.POSTINGS_PTR)
        self.postings_docs = _load(folder / layout.POSTINGS_DOCS)
        self.postings_tfs = _load(folder / layout.POSTINGS_TFS)
        self._vocab = _map_bytes(folder / layout.VOCAB)
        self._check_shapes()
        self._vectors: tuple[Any, np.ndarray] | None = None

    def __enter__(self) -> SegmentReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the segment's files (idempotent)."""
        if self._record_fd >= 0:
            os.close(self._record_fd)
            self._record_fd = -1

    @property
    def docs(self) -> int:
        """Chunks in the segment."""
        return self.meta.docs

    def _check_shapes(self) -> None:
        meta = self.meta
        expected = {
            layout.RECORD_OFFSETS: (self.record_offsets, meta.docs + 1),
            layout.RECORD_CRCS: (self.record_crcs, meta.docs),
            layout.DOC_LENGTHS: (self.doc_lengths, meta.docs),
            layout.VOCAB_OFFSETS: (self.vocab_offsets, meta.terms + 1),
            layout.POSTINGS_PTR: (self.postings_ptr, meta.terms + 1),
            layout.POSTINGS_DOCS: (self.postings_docs, meta.postings),
            layout.POSTINGS_TFS: (self.postings_tfs, meta.postings),
        }
        for name, (array, size) in expected.items():
            if array.ndim != 1 or array.shape[0] != size:
                raise SegmentDamagedError(
                    str(self.folder / name), f"holds {array.shape}, the header says {size}"
                )

    def term_id(self, term: str) -> int | None:
        """The number of ``term`` in this segment's vocabulary, or ``None`` when it does not occur."""
        wanted = term.encode()
        offsets, vocab = self.vocab_offsets, self._vocab
        count = self.meta.terms

        def term_at(index: int) -> bytes:
            return vocab[int(offsets[index]) : int(offsets[index + 1])]

        position = bisect_left(range(count), wanted, key=term_at)
        if position < count and term_at(position) == wanted:
            return position
        return None

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The chunks holding term ``term_id`` (ascending) and the term's frequency in each."""
        start, end = int(self.postings_ptr[term_id]), int(self.postings_ptr[term_id + 1])
        return self.postings_docs[start:end], self.postings_tfs[start:end]

    def record_line(self, doc: int) -> bytes:
        """The stored line of chunk ``doc`` (JSON and a newline), its checksum checked.

        Raises:
            SegmentDamagedError: the line does not match its checksum.
        """
        start, end = int(self.record_offsets[doc]), int(self.record_offsets[doc + 1])
        line = os.pread(self._record_fd, end - start, start)
        if len(line) != end - start or zlib.crc32(line) != int(self.record_crcs[doc]):
            raise SegmentDamagedError(
                str(self.folder / layout.RECORDS), f"record {doc} does not match its checksum"
            )
        return line

    def record(self, doc: int) -> dict[str, Any]:
        """The stored record (text and metadata) of chunk ``doc``, its checksum checked.

        Raises:
            SegmentDamagedError: the line does not match its checksum or is not a record.
        """
        line = self.record_line(doc)
        try:
            return json.loads(line)
        except ValueError as exc:
            raise SegmentDamagedError(str(self.folder / layout.RECORDS), f"record {doc} is not JSON") from exc

    def terms(self) -> list[str]:
        """The whole vocabulary, in its (byte) order."""
        offsets, vocab = self.vocab_offsets, self._vocab
        return [bytes(vocab[int(offsets[i]) : int(offsets[i + 1])]).decode() for i in range(self.meta.terms)]

    def vectors(self) -> tuple[Any, np.ndarray]:
        """The segment's FAISS index (memory-mapped, read-only) and each window's chunk number."""
        if self._vectors is None:
            import faiss

            # IO_FLAG_MMAP_IFC maps a flat index's vectors (IO_FLAG_MMAP would copy them into private memory).
            flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
            index = faiss.read_index(str(self.folder / layout.VECTORS), flags)
            parents = _load(self.folder / layout.VECTOR_PARENTS)
            if index.ntotal != self.meta.windows or parents.shape != (self.meta.windows,):
                raise SegmentDamagedError(
                    str(self.folder / layout.VECTORS), "window count differs from the header"
                )
            self._vectors = (index, parents)
        return self._vectors


def _load(path: Path) -> np.ndarray:
    """Map an ``.npy`` array read-only (an empty array cannot be mapped: it is read)."""
    try:
        array = np.load(path, mmap_mode="r")
    except ValueError as exc:
        if "cannot mmap an empty file" in str(exc) or path.stat().st_size == 0:
            raise SegmentDamagedError(str(path), "empty file") from exc
        raise SegmentDamagedError(str(path), f"not an array ({exc})") from exc
    return array


def _map_bytes(path: Path) -> bytes | mmap.mmap:
    """Map a file read-only (an empty file, which cannot be mapped, is empty bytes)."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
