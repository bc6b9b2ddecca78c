"""Which recorded content hashes a re-ingest may trust without reading the file again."""

from __future__ import annotations

from pathlib import Path

from docmind.ingest.corpus import Corpus, CorpusFile
from docmind.ingest.file_status import FileStatus
from docmind.ingest.index_reuse import RACY_MARGIN_NS, known_hashes
from docmind.ingest.summary import CorpusListing, FileRecord

SCANNED = 10 * RACY_MARGIN_NS


def _listing(*records: FileRecord) -> CorpusListing:
    return CorpusListing(chunk_size=1024, chunk_overlap=200, settings={}, scanned_ns=SCANNED, files=records)


def _file(rel: str, stamp: str, changed_ns: int, source: str = "documents") -> CorpusFile:
    return CorpusFile(Path("/nowhere") / rel, rel, source, 10, stamp, changed_ns)


def _record(rel: str, stamp: str, source: str = "documents") -> FileRecord:
    return FileRecord(path=rel, source=source, sha256=f"sha-of-{rel}", stamp=stamp, status=FileStatus.INDEXED)


def test_only_files_with_the_recorded_stamp_changed_well_before_that_scan_are_trusted() -> None:
    long_ago, just_before = SCANNED - 2 * RACY_MARGIN_NS, SCANNED - RACY_MARGIN_NS // 2
    previous = _listing(
        _record("same.pdf", "s1"),
        _record("rewritten.pdf", "s2"),
        _record("racy.pdf", "s3"),
        _record("moved.pdf", "s4", source="library"),
        FileRecord(path="failed.pdf", source="documents", stamp="s5", status=FileStatus.FAILED),
    )
    corpus = Corpus(
        (
            _file("same.pdf", "s1", long_ago),
            _file("rewritten.pdf", "s2-new", long_ago),
            _file("racy.pdf", "s3", just_before),
            _file("moved.pdf", "s4", long_ago),  # same name, now from another source
            _file("failed.pdf", "s5", long_ago),  # no hash was recorded
            _file("new.pdf", "s6", long_ago),
        ),
        (),
    )
    assert known_hashes(previous, corpus) == {"same.pdf": "sha-of-same.pdf"}


def test_nothing_is_trusted_without_an_active_snapshot() -> None:
    assert known_hashes(None, Corpus((_file("a.pdf", "s", 0),), ())) == {}
