"""The per-file cache: hits, misses, invalidation on content and settings, damaged entries."""

from __future__ import annotations

from pathlib import Path

from docmind.ingest.parse.chunk_cache import CachedChunk, CacheEntry, ChunkCache, fingerprint
from docmind.ingest.parse.file_task import FileTask, process_file
from docmind.segments.file_status import FileStatus

from tests.support.corpus import make_text


def _task(path: Path, cache_root: Path, size: int = 1024, overlap: int = 200) -> FileTask:
    return FileTask(path, path.name, cache_root, fingerprint(size, overlap), size, overlap)


def test_second_run_is_a_cache_hit(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "a.md", paragraphs=20)
    first = process_file(_task(doc, tmp_path / "cache"))
    second = process_file(_task(doc, tmp_path / "cache"))
    assert first.status == FileStatus.INDEXED
    assert second.status == FileStatus.CACHED
    assert (second.sha256, second.chunks) == (first.sha256, first.chunks)


def test_changed_content_misses(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "a.md", paragraphs=20, seed=1)
    process_file(_task(doc, tmp_path / "cache"))
    make_text(doc, paragraphs=20, seed=2)
    assert process_file(_task(doc, tmp_path / "cache")).status == FileStatus.INDEXED


def test_changed_settings_miss(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "a.md", paragraphs=20)
    process_file(_task(doc, tmp_path / "cache"))
    other = process_file(_task(doc, tmp_path / "cache", size=256, overlap=20))
    assert other.status == FileStatus.INDEXED
    assert fingerprint(1024, 200) != fingerprint(256, 20)


def test_damaged_entry_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "a.md", paragraphs=20)
    first = process_file(_task(doc, tmp_path / "cache"))
    entry_file = next((tmp_path / "cache").rglob(f"{first.sha256}.json"))
    entry_file.write_text(entry_file.read_text()[:-40])
    rebuilt = process_file(_task(doc, tmp_path / "cache"))
    assert rebuilt.status == FileStatus.INDEXED
    assert process_file(_task(doc, tmp_path / "cache")).status == FileStatus.CACHED


def test_tampered_checksum_is_ignored(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path, "fp")
    cache.put(CacheEntry(sha256="ab" * 32, pages=0, chunks=(CachedChunk(text="hello", terms="hello"),)))
    path = next(tmp_path.rglob("*.json"))
    path.write_text(path.read_text().replace("hello", "jello"))
    assert cache.get("ab" * 32) is None


def test_cache_writes_leave_no_temp_files(tmp_path: Path) -> None:
    doc = make_text(tmp_path / "a.md", paragraphs=5)
    process_file(_task(doc, tmp_path / "cache"))
    assert not [p for p in (tmp_path / "cache").rglob(".tmp-*")]
