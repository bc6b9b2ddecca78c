"""The embedding cache keeps vectors per embedder and writes each batch in one transaction."""

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from docmind.embed.cache import CACHE_FILE, EmbeddingCache, count


def test_vectors_round_trip_per_fingerprint(tmp_path: Path) -> None:
    keys = [bytes([i]) * 16 for i in range(3)]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    with EmbeddingCache(tmp_path, "model-a") as cache:
        assert cache.known(keys) == set()
        cache.put(keys, vectors)
        assert cache.known([*keys, b"z" * 16]) == set(keys)
        found = cache.vectors(keys)
        assert np.array_equal(np.stack([found[k] for k in keys]), vectors)
    with EmbeddingCache(tmp_path, "model-b") as other:
        assert other.known(keys) == set()  # another model or window never sees these vectors
    assert count(tmp_path) == 3


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path, "m") as cache:
        with pytest.raises(ValueError):
            cache.put([b"a" * 16, b"b" * 16], np.zeros((1, 4), dtype=np.float32))  # one vector short
        assert cache.known([b"a" * 16]) == set()
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0


def test_many_keys_are_looked_up_in_batches(tmp_path: Path) -> None:
    # More keys than this SQLite takes variables in one statement (compiled in: 999 to 250,000).
    with closing(sqlite3.connect(":memory:")) as probe:
        limit = probe.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    total = limit + 1000
    keys = [i.to_bytes(16, "big") for i in range(total)]
    with EmbeddingCache(tmp_path, "m") as cache:
        cache.put(keys, np.ones((total, 2), dtype=np.float32))
        assert len(cache.known(keys)) == total and len(cache.vectors(keys)) == total
