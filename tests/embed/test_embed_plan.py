"""The embed plan is streamed: counted in one pass, read back a bounded group of files at a time.

The plan's unit tests use the real tokenizer, real chunk texts and a real embedding cache; the last
two tests run the whole engine with the real model.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from docmind.embed.cache import EmbeddingCache, count
from docmind.embed.spec import packaged_model_dir
from docmind.embed.windows import chunk_windows, load_tokenizer, window_key
from docmind.executors.errors import IngestCancelled
from docmind.ingest.embed import plan as embed_plan
from docmind.ingest.embed.phase import EmbedFailedError
from docmind.ingest.embed.plan import pending_groups, plan_windows
from docmind.ingest.parse.chunk_cache import CachedChunk, CacheEntry
from docmind.ingest.parse.indexed_file import IndexedFile
from docmind.ingest.progress.tracker import IngestProgress
from tokenizers import Tokenizer

from tests.support.prose import write_prose
from tests.support.recorder import Recorder
from tests.support.run_engine import ingest

LICENSES = Path("/usr/share/common-licenses")
WINDOW = 256


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return load_tokenizer(packaged_model_dir())


def _chunks(name: str, size: int = 2_500) -> list[str]:
    """Real prose cut into chunks of a few windows each."""
    text = (LICENSES / name).read_text(encoding="utf-8", errors="replace")
    return [text[start : start + size] for start in range(0, min(len(text), 4 * size), size)]


def _file(name: str, chunks: list[str]) -> tuple[IndexedFile, CacheEntry]:
    sha = name.encode().hex().ljust(64, "0")[:64]
    entry = CacheEntry(sha256=sha, pages=0, chunks=tuple(CachedChunk(text=c, terms="") for c in chunks))
    return IndexedFile(name, "documents", sha, name, chunks=len(chunks)), entry


def _windows(chunks: list[str], tokenizer: Tokenizer) -> list[str]:
    return [text for chunk in chunks for text in chunk_windows(chunk, tokenizer, WINDOW).texts]


def test_a_shared_window_is_planned_once_and_cached_ones_not_at_all(
    tokenizer: Tokenizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gpl, apache, mpl, artistic = (
        _chunks("GPL-3"),
        _chunks("Apache-2.0"),
        _chunks("MPL-2.0"),
        _chunks("Artistic"),
    )
    corpus = [
        _file("one.txt", gpl + apache[:2]),
        _file("two.txt", apache + gpl[:1]),  # shares windows with the first file
        _file("three.txt", gpl[1:3]),  # nothing of its own
        _file("four.txt", artistic + mpl),
    ]
    entries = {file.sha256: entry for file, entry in corpus}
    every = [text for _, entry in corpus for text in _windows([c.text for c in entry.chunks], tokenizer)]
    cached = {window_key(text) for text in _windows(artistic, tokenizer)}
    cache = EmbeddingCache(tmp_path, "fingerprint")
    cache.put(sorted(cached), np.zeros((len(cached), 4), dtype=np.float32))
    expected = {window_key(text): text for text in every if window_key(text) not in cached}

    def entry_of(file: IndexedFile) -> CacheEntry:
        return entries[file.sha256]

    files = [file for file, _ in corpus]
    plan = plan_windows(
        files, entry_of, tokenizer, WINDOW, cache, IngestProgress(Recorder()), threading.Event()
    )
    assert plan.windows == len(every) and plan.pending == len(expected)
    assert [spans.file.path for spans in plan.files] == ["one.txt", "two.txt", "four.txt"]
    monkeypatch.setattr(embed_plan, "GROUP_WINDOWS", 5)
    groups = list(pending_groups(plan, entry_of, threading.Event()))
    read = [window for group in groups for window in group]
    assert sorted(w.key for w in read) == sorted(expected) and {w.key: w.text for w in read} == expected
    most_of_one_file = max(len(spans.spans) // 3 for spans in plan.files)
    for group in groups:
        assert [len(w.text) for w in group] == sorted(len(w.text) for w in group)
        assert len(group) < 5 + most_of_one_file  # bounded by the group, not the corpus
    # A group closes once it holds 5 windows: the first file fills one; the second (4) waits for the third.
    assert [{w.path for w in group} for group in groups] == [{"one.txt"}, {"two.txt", "four.txt"}]
    cache.close()


def test_both_passes_stop_at_a_cancel(tokenizer: Tokenizer, tmp_path: Path) -> None:
    file, entry = _file("one.txt", _chunks("GPL-3"))
    cancel = threading.Event()
    with EmbeddingCache(tmp_path, "fingerprint") as cache:
        plan = plan_windows(
            [file], lambda _: entry, tokenizer, WINDOW, cache, IngestProgress(Recorder()), cancel
        )
        cancel.set()
        with pytest.raises(IngestCancelled):
            next(pending_groups(plan, lambda _: entry, cancel))
        with pytest.raises(IngestCancelled):
            plan_windows(
                [file], lambda _: entry, tokenizer, WINDOW, cache, IngestProgress(Recorder()), cancel
            )


def test_a_window_in_two_files_is_embedded_once(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    for original in list(docs.iterdir()):
        shutil.copy(original, docs / f"copy-{original.name}")
    summary = ingest(tmp_path / "data", docs, embed=True)
    assert summary.windows_total == 2 * summary.windows_embedded > 0
    assert count(tmp_path / "data" / "cache") == summary.windows_embedded


def test_chunks_that_leave_the_cache_between_the_passes_fail_the_job_naming_the_file(tmp_path: Path) -> None:
    docs = write_prose(tmp_path / "docs")
    chunk_cache = tmp_path / "data" / "cache"

    def remove_the_chunks_once_planned(event: dict) -> None:
        if event["message"].startswith("embedding ") and "cached)" in event["message"]:
            for entry in chunk_cache.glob("*/*/*.json"):
                entry.unlink()

    with pytest.raises(EmbedFailedError, match=r"embedding failed at \S+: its chunks left the chunk cache"):
        ingest(tmp_path / "data", docs, embed=True, reporter=Recorder(remove_the_chunks_once_planned))
