"""Which recorded content hashes a re-ingest may trust without reading the file again."""

from __future__ import annotations

from docmind.ingest.parse.file_task import FileOutcome
from docmind.ingest.pipeline import _record
from docmind.ingest.scan.content_hashes import RACY_MARGIN_NS, known_hashes
from docmind.ingest.scan.corpus import Corpus, CorpusFile
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.file_status import FileStatus

SCANNED = 10 * RACY_MARGIN_NS


def _listing(*records: FileRecord) -> CorpusListing:
    return CorpusListing(chunk_size=1024, chunk_overlap=200, settings={}, scanned_ns=SCANNED, files=records)


def _file(rel: str, stamp: str, changed_ns: int = 0, source: str = "documents") -> CorpusFile:
    return CorpusFile(f"/nowhere/{rel}", rel, source, 10, stamp, changed_ns)


def _record_of(rel: str, stamp: str, source: str = "documents") -> FileRecord:
    return FileRecord(path=rel, source=source, sha256=f"sha-of-{rel}", stamp=stamp, status=FileStatus.INDEXED)


def test_only_files_with_their_recorded_stamp_are_trusted() -> None:
    previous = _listing(
        _record_of("same.pdf", "s1"),
        _record_of("rewritten.pdf", "s2"),
        _record_of("racy.pdf", ""),  # changed just before its scan: no stamp was recorded
        _record_of("moved.pdf", "s4", source="library"),
        FileRecord(path="failed.pdf", source="documents", stamp="s5", status=FileStatus.FAILED),
    )
    corpus = Corpus(
        (
            _file("same.pdf", "s1"),
            _file("rewritten.pdf", "s2-new"),
            _file("racy.pdf", ""),
            _file("moved.pdf", "s4"),  # same name, now from another source
            _file("failed.pdf", "s5"),  # no hash was recorded
            _file("new.pdf", "s6"),
        ),
        (),
    )
    assert known_hashes(previous, corpus) == {"same.pdf": "sha-of-same.pdf"}
    assert known_hashes(None, Corpus((_file("a.pdf", "s"),), ())) == {}


def test_a_file_changed_just_before_the_scan_gets_no_stamp() -> None:
    long_ago, just_before = SCANNED - 2 * RACY_MARGIN_NS, SCANNED - RACY_MARGIN_NS // 2
    outcome = FileOutcome("a.pdf", FileStatus.INDEXED, "sha")
    assert _record(_file("a.pdf", "s1", long_ago), outcome, SCANNED).stamp == "s1"
    # A second write within the same timestamp tick would not change the stamp: it is not trusted.
    assert _record(_file("a.pdf", "s1", just_before), outcome, SCANNED).stamp == ""
