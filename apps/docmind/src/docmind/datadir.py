"""The on-disk layout of a DocMind data dir.

```
<data dir>/
  documents/     the managed folder: uploads land here
  cache/         per-file chunk cache, keyed by content hash + pipeline settings
  index/         the snapshot store (docmind_snapshots): snapshots/<id>, CURRENT, tmp/
  jobs.sqlite    job history (docmind_jobs registry)
  sources.sqlite the registered source folders (docmind.sources)
```
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


class DataDirError(RuntimeError):
    """The data dir cannot be used (missing permissions, not a directory, read-only)."""


def unusable(root: Path, exc: BaseException) -> DataDirError:
    """The error for a data dir whose store or databases could not be opened: one line, no traceback."""
    return DataDirError(f"data dir {root} cannot be used: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    """What failed while opening the data dir, in one line."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if isinstance(exc, sqlite3.Error):
        return f"the job history (jobs.sqlite) cannot be opened: {exc}"
    return str(exc) or type(exc).__name__


@dataclass(frozen=True)
class DataDir:
    """Paths inside one data dir; ``ensure()`` creates them and checks they are writable."""

    root: Path

    @property
    def documents(self) -> Path:
        """The managed documents folder (uploads)."""
        return self.root / "documents"

    @property
    def cache(self) -> Path:
        """The per-file chunk cache."""
        return self.root / "cache"

    @property
    def index(self) -> Path:
        """The snapshot store root."""
        return self.root / "index"

    @property
    def jobs_db(self) -> Path:
        """The SQLite job registry."""
        return self.root / "jobs.sqlite"

    @property
    def sources_db(self) -> Path:
        """The SQLite list of registered source folders."""
        return self.root / "sources.sqlite"

    def ensure(self) -> DataDir:
        """Create the folders and prove the data dir is writable.

        Raises:
            DataDirError: with a message naming the path and the reason.
        """
        try:
            for folder in (self.root, self.documents, self.cache, self.index):
                folder.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise DataDirError(f"data dir {self.root} is not writable: {reason}") from exc
        return self
