"""A segment's header (``meta.json``): what it holds, written last, read first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

FORMAT = 1
"""Raised when the files of a segment change meaning; a reader refuses other formats."""


class FileSpan(BaseModel):
    """One file whose chunks a segment holds: chunks ``first`` … ``first + chunks - 1``."""

    model_config = ConfigDict(frozen=True)

    path: str
    source: str
    sha256: str
    size: int = 0
    stamp: str = ""
    pages: int = 0
    first: int = Field(ge=0)
    chunks: int = Field(ge=0)


class SegmentHeader(BaseModel):
    """What a segment holds, without the list of its files: all that search needs of ``meta.json``.

    Parsing skips the files' list (its objects are never built), so opening a segment for search costs the
    same whether it holds ten files or ten thousand.

    Attributes:
        format: The segment format (``FORMAT``).
        name: The segment's name (``layout.segment_name``).
        docs: Chunks in the segment.
        total_len: Sum of the chunks' lengths in terms (BM25's document lengths).
        terms: Distinct terms.
        postings: (term, chunk) pairs.
        tf_dtype: The dtype of ``postings.tfs.npy``.
        windows: Window vectors (0: keyword-only).
        dims: Vector size (0: keyword-only).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: int = FORMAT
    name: str
    docs: int
    total_len: int
    terms: int
    postings: int
    tf_dtype: str
    windows: int = 0
    dims: int = 0


class SegmentMeta(SegmentHeader):
    """A segment's whole header: also the files whose chunks it holds, in chunk order (``files``)."""

    files: tuple[FileSpan, ...]

    def header(self) -> SegmentHeader:
        """This header without the files' list (what a worker hands back to the job's process)."""
        return SegmentHeader.model_validate(self.model_dump(exclude={"files"}))


_REMEMBERED = 64
"""Whole headers a process keeps parsed (``read_segment_meta``), the most recently read ones."""
_remembered: OrderedDict[tuple[int, int, int, int], SegmentMeta] = OrderedDict()
_remembered_lock = threading.Lock()


def read_segment_meta(folder: Path) -> SegmentMeta:
    """The header of the segment in ``folder``.

    A segment is immutable and its header is written once, so a header this process parsed before is
    handed back for the same file (device, inode, size, modification time: also through a hard link
    in another snapshot) without parsing it again; an ingestion reads the active index's headers twice.

    Raises:
        OSError: it cannot be read. ValueError: it is not a header of this format.
    """
    from docmind.segments import layout

    path = folder / layout.SEGMENT_META
    info = path.stat()
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    with _remembered_lock:
        meta = _remembered.get(identity)
    if meta is not None:
        return meta
    meta = SegmentMeta.model_validate_json(path.read_bytes())
    if meta.format != FORMAT:
        raise ValueError(f"segment {folder.name} has unknown format {meta.format}")
    with _remembered_lock:
        _remembered[identity] = meta
        while len(_remembered) > _REMEMBERED:
            _remembered.popitem(last=False)
    return meta
