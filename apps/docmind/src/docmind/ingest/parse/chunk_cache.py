"""The per-file chunk cache: parsed and split content keyed by content hash + pipeline settings.

Layout: ``<cache>/<fingerprint>/<sha[:2]>/<sha256>.json``. The fingerprint covers everything that changes the
chunks (the splitter's name and version, chunk size, overlap, pipeline version), so changing a setting never
serves stale chunks. Each entry is written atomically (``docmind_snapshots.atomic_write_bytes``); an entry
that fails to parse or whose checksum does not match is ignored and rebuilt. Entries are shared by every file
with the same content.

Workers write entries and may be killed mid-write (a cancel kills busy workers): what they leave
is a hidden temporary file that no entry pattern matches, removed by `ChunkCache.swept` as soon as
the workers of a cancelled or failed ingestion are gone (after a crash: when the next one starts;
a clean ingestion leaves none and the next one does not look).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from docmind_snapshots import atomic_write_bytes, is_temporary
from pydantic import BaseModel, ConfigDict, ValidationError

from docmind.ingest.parse.splitter import NAME as SPLITTER

PIPELINE_VERSION = 3
"""Raised whenever parsing or splitting may give other chunks for the same bytes (3: HTML read by Lexbor)."""


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
    """A short stable hash of the settings that shape chunks, the splitter's name and version included."""
    settings = {"v": PIPELINE_VERSION, "splitter": SPLITTER, "size": chunk_size, "overlap": chunk_overlap}
    key = json.dumps(settings, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


WRITERS_MARK = ".writers"
"""Present in the cache's root while an ingestion's workers may write entries (``ChunkCache.swept``)."""


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
        # Not forced to disk: an entry torn by a power cut fails its checksum and is rebuilt.
        atomic_write_bytes(path, envelope.encode(), durable=False, hidden=True)

    @contextlib.contextmanager
    def swept(self) -> Iterator[None]:
        """Wrap the workers' whole life in it: temporary files of writes cut short are swept, and only then.

        Workers are killed only when the work ends by an exception (a cancel, a failure), so only then
        can a write have been cut short: the exit by exception sweeps. A crash of this process leaves
        ``WRITERS_MARK`` behind (made on entry, removed on every exit), and the next entry that finds
        it sweeps what the crash left. A clean run leaves nothing, so the next one walks nothing: the
        cache grows with the corpus and its history, and an ingestion does not pay for that.

        Use it only where nobody else writes the cache: the pipeline does, holding the snapshot store's
        writer lock (one ingestion per data dir), around the worker pool, so that the exit sweep runs
        once every worker of the ingestion is gone.
        """
        mark = self.base / WRITERS_MARK
        if mark.exists():
            self.sweep_temporary_files()
        self.base.mkdir(parents=True, exist_ok=True)
        mark.touch()
        try:
            yield
        except BaseException:
            self.sweep_temporary_files()
            raise
        finally:
            mark.unlink(missing_ok=True)

    def sweep_temporary_files(self) -> int:
        """Remove the temporary files that killed writers left anywhere in the cache; return how many.

        Call it only while nobody writes the cache (see `swept`).
        """
        removed = 0
        for folder, _, names in os.walk(self.base):
            for name in names:
                if is_temporary(name):
                    with contextlib.suppress(FileNotFoundError):
                        (Path(folder) / name).unlink()
                        removed += 1
        return removed
