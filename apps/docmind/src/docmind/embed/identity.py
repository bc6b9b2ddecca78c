"""What identifies an embedder, so that a cached vector is reused only for the model that made it.

An ``EmbedSpec`` from ``embed_spec`` names a model; :func:`identified` gives it its identity, which
``EmbedSpec.fingerprint`` (the embedding cache's key, part of a snapshot's settings signature) covers:

- **A local model folder:** the content of every file in it (weights, configuration, tokenizer).
  Hashing gigabytes on every job would cost seconds, so each file's digest is remembered in the data
  dir's cache (``RECORDS_FILE``) by path, size and modification time: a file written since is hashed
  again, an unchanged one is not read.
- **An endpoint:** its address, the model name sent to it, the size of the vectors it answers and a
  digest of its vector for a fixed canary text (embedded at the probe, before any work). The same
  URL and name serving another model answers another canary: a new identity, so nothing the old
  model embedded is reused. Float noise must not make a new identity (a server may batch the probe
  with other requests), so canaries are remembered per (address, name, size): a canary within
  ``CANARY_MATCH`` cosine of a remembered one takes that one's identity; only a new model's canary
  gets a digest of its own (its values rounded to ``CANARY_DECIMALS``).

The endpoint's canary also travels with the spec (and into ``corpus.json``): a search embeds it with
the query and refuses the snapshot's vectors when the endpoint now answers another canary.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from docmind.embed.encoders import PROBE_TIMEOUT_S, EmbedRequestError, EndpointEncoder
from docmind.embed.spec import EmbedderUnavailableError, EmbedSpec

RECORDS_FILE = "embedders.sqlite"
"""In the cache folder: model file digests and endpoint canaries."""
CANARY_TEXT = "DocMind canary: a fixed sentence whose vector tells which model answers at an address."
CANARY_MATCH = 0.999
"""Cosine similarity above which two canaries come from the same model (bf16 vs fp32: 0.99998)."""
CANARY_DECIMALS = 3
"""Decimals of a canary's values in its digest and in ``corpus.json``."""
_HASH_BLOCK = 1024 * 1024
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS model_files (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS endpoint_canaries (
        address TEXT NOT NULL, model TEXT NOT NULL, dims INTEGER NOT NULL,
        digest TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (address, model, dims, digest)
    )""",
)


def identified(spec: EmbedSpec, cache_root: Path, checkpoint: Callable[[], None] = lambda: None) -> EmbedSpec:
    """``spec`` with its identity (and, for an endpoint, its canary); see the module docstring.

    ``checkpoint`` is called before each block of a model file that is hashed; whatever it raises
    stops the hashing (a cancel: hashing a new model of gigabytes takes seconds).

    Raises:
        EmbedderUnavailableError: a model file cannot be read, or the endpoint does not answer the
            probe with one usable vector (one line).
    """
    with _Records(cache_root) as records:
        if spec.kind == "local":
            return replace(spec, identity=_folder_identity(Path(spec.model), records, checkpoint))
        try:
            vector = EndpointEncoder(spec, timeout=PROBE_TIMEOUT_S).encode([CANARY_TEXT])[0]
        except EmbedRequestError as exc:
            raise EmbedderUnavailableError(f"{exc} (DOCMIND_EMBED_URL)") from exc
        digest = records.canary_digest(spec.url, spec.model, vector)
    identity = hashlib.sha256(f"{spec.url}\n{spec.model}\n{len(vector)}\n{digest}".encode()).hexdigest()
    return replace(spec, identity=identity[:16], canary=rounded(vector))


def canary_matches(spec: EmbedSpec, vector: np.ndarray) -> bool:
    """Whether ``vector``, the endpoint's answer to ``CANARY_TEXT`` now, comes from the spec's model."""
    recorded = np.asarray(spec.canary, dtype=np.float32)
    return recorded.shape == vector.shape and _cosine(recorded, vector) >= CANARY_MATCH


def rounded(vector: np.ndarray) -> tuple[float, ...]:
    """The canary as recorded: its values rounded to ``CANARY_DECIMALS``."""
    return tuple(round(float(value), CANARY_DECIMALS) for value in vector)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norms if norms else 0.0


def _folder_identity(folder: Path, records: _Records, checkpoint: Callable[[], None]) -> str:
    """A digest of every file's relative path and content digest (hidden files left out)."""
    digest = hashlib.sha256()
    try:
        for path in sorted(_files(folder)):
            relative = path.relative_to(folder).as_posix()
            digest.update(f"{relative}\0{records.file_digest(path, checkpoint)}\n".encode())
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EmbedderUnavailableError(f"cannot read the embedding model in {folder}: {reason}") from exc
    return digest.hexdigest()[:16]


def _files(folder: Path) -> list[Path]:
    found = []
    for top, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        found.extend(Path(top) / name for name in filenames if not name.startswith("."))
    return found


class _Records:
    """The identity records in the data dir's cache: model file digests and endpoint canaries."""

    def __init__(self, cache_root: Path) -> None:
        cache_root.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_root / RECORDS_FILE, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._db.commit()

    def __enter__(self) -> _Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def file_digest(self, path: Path, checkpoint: Callable[[], None]) -> str:
        """The sha256 of ``path``'s content, read only when its size or modification time is new.

        ``checkpoint`` runs before each block read (see `identified`).

        Raises:
            OSError: the file cannot be read.
        """
        key = str(path.resolve())
        stat = path.stat()
        row = self._db.execute(
            "SELECT sha256 FROM model_files WHERE path = ? AND size = ? AND mtime_ns = ?",
            (key, stat.st_size, stat.st_mtime_ns),
        ).fetchone()
        if row is not None:
            return str(row[0])
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            while True:
                checkpoint()
                block = handle.read(_HASH_BLOCK)
                if not block:
                    break
                sha.update(block)
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO model_files (path, size, mtime_ns, sha256) VALUES (?, ?, ?, ?)",
                (key, stat.st_size, stat.st_mtime_ns, sha.hexdigest()),
            )
        return sha.hexdigest()

    def canary_digest(self, address: str, model: str, vector: np.ndarray) -> str:
        """The digest naming the model whose canary is ``vector``: a remembered one it matches, or its own."""
        canary = np.asarray(vector, dtype=np.float32)
        rows = self._db.execute(
            "SELECT digest, vector FROM endpoint_canaries WHERE address = ? AND model = ? AND dims = ?",
            (address, model, len(canary)),
        ).fetchall()
        for digest, blob in rows:
            if _cosine(np.frombuffer(blob, dtype=np.float32), canary) >= CANARY_MATCH:
                return str(digest)
        digest = hashlib.sha256(repr(rounded(canary)).encode()).hexdigest()[:16]
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO endpoint_canaries (address, model, dims, digest, vector)"
                " VALUES (?, ?, ?, ?, ?)",
                (address, model, len(canary), digest, canary.tobytes()),
            )
        return digest
