"""The index manifest (``index.json``): which segments a snapshot is made of, and what each still holds.

Small and rewritten whole by every snapshot: a list of segment entries (name, chunk count, the
deletion-marks file of chunks no longer in the index) and the totals BM25 needs over the live
chunks (their number and summed length), so a search reads no segment to get them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from docmind.segments import layout

FORMAT = 1


class SegmentEntry(BaseModel):
    """One segment of a snapshot and its deletion marks.

    Attributes:
        name: The segment's name; its files are under ``segments/<name>/``.
        docs: Chunks written in the segment.
        deleted: How many of them are no longer in the index.
        deletes: The snapshot-relative deletion-marks file (``None``: nothing deleted).
        live_len: Summed length (in terms) of the live chunks.
        live_windows: Window vectors of the live chunks.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    docs: int = Field(ge=0)
    deleted: int = Field(default=0, ge=0)
    deletes: str | None = None
    live_len: int = Field(ge=0)
    live_windows: int = Field(default=0, ge=0)

    @property
    def live_docs(self) -> int:
        """Chunks of the segment still in the index."""
        return self.docs - self.deleted


class IndexManifest(BaseModel):
    """``index.json``: the segments of a snapshot, oldest first, and the totals over live chunks."""

    model_config = ConfigDict(frozen=True)

    format: int = FORMAT
    segments: tuple[SegmentEntry, ...] = ()
    dims: int = 0

    @property
    def live_docs(self) -> int:
        """Chunks in the index (BM25's N)."""
        return sum(s.live_docs for s in self.segments)

    @property
    def live_len(self) -> int:
        """Summed length of the chunks in the index (N times BM25's average length)."""
        return sum(s.live_len for s in self.segments)

    @property
    def live_windows(self) -> int:
        """Window vectors in the index."""
        return sum(s.live_windows for s in self.segments)


def read_index_manifest(snapshot: Path) -> IndexManifest:
    """The index manifest of the snapshot at ``snapshot``.

    Raises:
        OSError: it cannot be read. ValueError: it is not an index manifest of this format.
    """
    manifest = IndexManifest.model_validate_json((snapshot / layout.INDEX_FILE).read_bytes())
    if manifest.format != FORMAT:
        raise ValueError(f"{layout.INDEX_FILE} has unknown format {manifest.format}")
    return manifest


def write_deletes(path: Path, docs: np.ndarray) -> None:
    """Write deletion marks: the sorted, distinct chunk numbers of a segment that left the index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.unique(np.asarray(docs, dtype=np.uint32)))


def read_deletes(path: Path) -> np.ndarray:
    """The chunk numbers marked deleted in ``path`` (sorted, distinct)."""
    return np.load(path)
