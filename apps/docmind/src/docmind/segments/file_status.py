"""The status words of a file, one enum for the engine, the snapshot's ``corpus.json`` and the UI."""

from __future__ import annotations

from enum import StrEnum


class FileStatus(StrEnum):
    """What happened to a file, or how it stands against the active snapshot.

    An ingestion gives each file ``INDEXED`` (parsed now), ``CACHED`` (content known already),
    ``FAILED`` or ``SKIPPED`` (with a reason); these are recorded in ``corpus.json``. A worker stopped
    between PDF pages answers ``CANCELLED``. The corpus table adds ``NEW`` (not in the active snapshot)
    and ``CHANGED`` (content differs from it), and shows ``INDEXED`` for content the snapshot holds.
    """

    INDEXED = "indexed"
    CACHED = "cached"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    NEW = "new"
    CHANGED = "changed"

    @property
    def is_ingested(self) -> bool:
        """True for a file whose chunks are in the index (indexed now or taken from the cache)."""
        return self is FileStatus.INDEXED or self is FileStatus.CACHED
