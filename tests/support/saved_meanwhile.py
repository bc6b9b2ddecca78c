"""A document saved again after the job hashed it and before a worker parses it.

The seam wraps the job's hashing (``parse_phase.file_sha256``): right after the job has hashed the
target, the target is rewritten, so the worker (local process or Ray task) that parses it next
reads the new version. Everything else is the real pipeline.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from docmind.ingest.parse import phase as parse_phase

ORIGINAL = "The original version of this note is about an albatross over the harbour.\n"
REWRITTEN = "The version saved during the ingestion is about a narwhal under the ice.\n"


def sha(text: str) -> str:
    """The content hash of ``text`` as a file holds it (UTF-8)."""
    return hashlib.sha256(text.encode()).hexdigest()


def save_after_the_job_hashes(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[str]:
    """Rewrite ``target`` (``ORIGINAL`` → ``REWRITTEN``) just after the job hashes it, once.

    Returns:
        A list that receives the hash the job computed when the rewrite happened.
    """
    real_hash = parse_phase.file_sha256
    hashed: list[str] = []

    def hash_then_save(path: Path) -> str:
        digest = real_hash(path)
        if path == target and not hashed:
            target.write_text(REWRITTEN, encoding="utf-8")
            hashed.append(digest)
        return digest

    monkeypatch.setattr(parse_phase, "file_sha256", hash_then_save)
    return hashed
