"""The embedding cache: one vector per (window text, embedder fingerprint), in SQLite in the cache folder.

Vectors are float32, L2-normalised, stored as blobs. Each finished batch is written in one
transaction, so a cancel, a crash or a failing endpoint keeps every batch embedded before it and
never leaves half a batch; the next run embeds only what is missing. The job's thread writes;
the index build (another process) reads at the same time, which SQLite's WAL mode allows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

CACHE_FILE = "embeddings.sqlite"
_LOOKUP_BATCH = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    fingerprint TEXT NOT NULL,
    key BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (fingerprint, key)
) WITHOUT ROWID
"""


class EmbeddingCache:
    """Vectors of one embedder (``fingerprint``) in ``<cache_root>/embeddings.sqlite``; close when done."""

    def __init__(self, cache_root: Path, fingerprint: str) -> None:
        cache_root.mkdir(parents=True, exist_ok=True)
        self.path = cache_root / CACHE_FILE
        self.fingerprint = fingerprint
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def known(self, keys: Iterable[bytes]) -> set[bytes]:
        """The subset of ``keys`` that has a cached vector."""
        found: set[bytes] = set()
        for batch in _batches(list(keys)):
            marks = ",".join("?" * len(batch))
            query = f"SELECT key FROM vectors WHERE fingerprint = ? AND key IN ({marks})"  # noqa: S608
            found.update(row[0] for row in self._db.execute(query, (self.fingerprint, *batch)))
        return found

    def vectors(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Cached vectors of ``keys`` (missing keys are left out)."""
        result: dict[bytes, np.ndarray] = {}
        for batch in _batches(list(keys)):
            marks = ",".join("?" * len(batch))
            query = f"SELECT key, vector FROM vectors WHERE fingerprint = ? AND key IN ({marks})"  # noqa: S608
            for key, blob in self._db.execute(query, (self.fingerprint, *batch)):
                result[key] = np.frombuffer(blob, dtype=np.float32)
        return result

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store one batch of vectors (one row of ``vectors`` per key) in one transaction."""
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (fingerprint, key, vector) VALUES (?, ?, ?)",
                ((self.fingerprint, key, row.tobytes()) for key, row in zip(keys, rows, strict=True)),
            )


def count(cache_root: Path) -> int:
    """How many vectors the cache holds over every embedder (0 when there is no cache)."""
    path = cache_root / CACHE_FILE
    if not path.is_file():
        return 0
    with closing(sqlite3.connect(path, timeout=30)) as db:
        return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])


def _batches(keys: list[bytes]) -> Iterator[list[bytes]]:
    for start in range(0, len(keys), _LOOKUP_BATCH):
        yield keys[start : start + _LOOKUP_BATCH]
