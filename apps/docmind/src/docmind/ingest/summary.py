"""What an ingestion produced: the per-file corpus listing stored in the snapshot, and the summary."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from docmind.ingest.file_status import FileStatus

CORPUS_FILE = "corpus.json"


class FileRecord(BaseModel):
    """One file of the corpus as ingested into a snapshot; ``stamp`` is its scan stamp (``CorpusFile``)."""

    model_config = ConfigDict(frozen=True)

    path: str
    source: str
    sha256: str = ""
    size: int = 0
    stamp: str = ""
    pages: int = 0
    chunks: int = 0
    status: FileStatus
    error: str = ""


class CorpusListing(BaseModel):
    """The ``corpus.json`` file published inside every snapshot; ``scanned_ns``: when the scan began."""

    model_config = ConfigDict(frozen=True)

    chunk_size: int
    chunk_overlap: int
    scanned_ns: int = 0
    files: tuple[FileRecord, ...]


class FailedFile(BaseModel):
    """A file that could not be indexed, with the reason shown to people."""

    model_config = ConfigDict(frozen=True)

    path: str
    error: str


class IngestSummary(BaseModel):
    """The final line of ``docmind ingest --json`` and the result of an ingestion job."""

    model_config = ConfigDict(frozen=True)

    event: str = "summary"
    snapshot_id: str | None
    files_total: int
    files_indexed: int
    files_cached: int
    files_failed: list[FailedFile]
    files_skipped: int
    chunks: int
    seconds: float
