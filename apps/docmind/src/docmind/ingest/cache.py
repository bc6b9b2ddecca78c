"""The per-file chunk cache: parsed and split content keyed by content hash + pipeline settings.

Layout: ``<cache>/<fingerprint>/<sha[:2]>/<sha256>.json``. The fingerprint covers everything
that changes the chunks (chunk size, overlap, pipeline version), so changing a setting never
serves stale chunks. Each entry is written atomically (temp file in the same folder, fsync,
``os.replace``); an entry that fails to parse or whose checksum does not match is ignored and
rebuilt. Entries are shared by every file with the same content.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

PIPELINE_VERSION = 2


class CachedChunk(BaseModel):
    """One chunk of a file: its text, its BM25 terms (see ``bm25_terms``) and its page, if any."""

    model_config = ConfigDict(frozen=True)

    text: str
    terms: str
    page: str | None = None


class CacheEntry(BaseModel):
    """The parsed and split content of one file."""

    model_config = ConfigDict(frozen=True)

    sha256: str
    pages: int
    chunks: tuple[CachedChunk, ...]


def fingerprint(chunk_size: int, chunk_overlap: int) -> str:
    """A short stable hash of the settings that shape chunks."""
    key = json.dumps({"v": PIPELINE_VERSION, "size": chunk_size, "overlap": chunk_overlap}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class ChunkCache:
    """Read and write cache entries under one fingerprint; safe across processes."""

    def __init__(self, root: Path, settings_fingerprint: str) -> None:
        self.base = root
        self.fingerprint = settings_fingerprint
        self.root = root / settings_fingerprint

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str) -> CacheEntry | None:
        """Return the entry for ``sha256``, or ``None`` when missing or damaged."""
        path = self._path(sha256)
        try:
            envelope = json.loads(path.read_bytes())
            body = envelope["entry"]
            if hashlib.sha256(body.encode()).hexdigest() != envelope["checksum"]:
                return None
            entry = CacheEntry.model_validate_json(body)
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None
        return entry if entry.sha256 == sha256 else None

    def put(self, entry: CacheEntry) -> None:
        """Write ``entry`` atomically; a concurrent writer of the same content is harmless."""
        path = self._path(entry.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = entry.model_dump_json()
        envelope = json.dumps({"checksum": hashlib.sha256(body.encode()).hexdigest(), "entry": body})
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(envelope)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise
