"""A file saved during ingestion: the chunks are cached, and listed, under the hash of what was parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmind.ingest.parse.chunk_cache import ChunkCache, fingerprint
from docmind.search import search
from docmind_snapshots import SnapshotStore

from tests.support.corpus import make_text
from tests.support.run_engine import ingest, listing
from tests.support.saved_meanwhile import ORIGINAL, REWRITTEN, save_after_the_job_hashes, sha


def test_a_file_saved_between_hash_and_parse_never_poisons_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    make_text(docs / "other.md", seed=1)
    target = docs / "saved.md"
    target.write_text(ORIGINAL, encoding="utf-8")
    hashed = save_after_the_job_hashes(monkeypatch, target)
    ingest(data, docs)
    assert hashed == [sha(ORIGINAL)], "the seam did not run between the job's hash and the parse"
    published = listing(data)
    assert {f.path: f.sha256 for f in published.files}["saved.md"] == sha(REWRITTEN)
    cache = ChunkCache(data / "cache", fingerprint(published.chunk_size, published.chunk_overlap))
    assert cache.get(sha(ORIGINAL)) is None
    entry = cache.get(sha(REWRITTEN))
    assert entry is not None and "narwhal" in entry.chunks[0].text
    monkeypatch.undo()
    target.write_text(ORIGINAL, encoding="utf-8")  # saved back: its hash must bring back its own text
    again = ingest(data, docs)
    assert again.files_indexed == 1
    store = SnapshotStore(data / "index")
    assert [h.file for h in search(store, "albatross").hits] == ["saved.md"]
    assert search(store, "narwhal").hits == []
