"""A file the parse stage hands on to be indexed: where it is, what it is, and how many chunks it has."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexedFile:
    """One file whose chunks go into the index; ``location`` is where to re-read it if needed (a path)."""

    path: str
    source: str
    sha256: str
    location: str
    size: int = 0
    stamp: str = ""
    pages: int = 0
    chunks: int = 0
