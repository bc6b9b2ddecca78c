"""What an ingestion produced: the per-file corpus listing stored in the snapshot, and the summary."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from docmind.ingest.file_status import FileStatus

REMOVED_SAMPLE = 10
"""How many removed paths the summary names (``files_removed_sample``); the listing keeps them all."""


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


class EmbeddingInfo(BaseModel):
    """The embedder of a snapshot's vectors, recorded in ``corpus.json`` (search embeds queries with it).

    Attributes:
        kind: ``local`` or ``http`` (``docmind.embed.spec.EmbedSpec``).
        model: The model folder (local) or the model name sent to the endpoint.
        url: The endpoint address (http only).
        name: The model's name for people.
        identity: Digest of the model's identity.
        fingerprint: The embedder fingerprint the vectors were cached under.
        window: Window size in word pieces, special tokens included.
        tokenizer_dir: The folder whose tokenizer cut the windows.
        dims: Vector size.
        windows: Windows (vectors) in the snapshot.
        coverage: Fraction of the chunks' word pieces inside some window (1.0: nothing truncated).
    """

    model_config = ConfigDict(frozen=True)

    kind: str
    model: str
    url: str
    name: str
    identity: str
    fingerprint: str
    window: int
    tokenizer_dir: str
    dims: int
    windows: int
    coverage: float


class CorpusListing(BaseModel):
    """The ``corpus.json`` file published inside every snapshot.

    Attributes:
        splitter: The splitter's name and version (``docmind.ingest.splitter.NAME``); listings written
            before it was recorded were all split by LlamaIndex's ``SentenceSplitter``.
        chunk_size: The splitter's chunk size.
        chunk_overlap: The splitter's chunk overlap.
        settings: The settings signature (``docmind.ingest.changes.settings_signature``): every setting
            that shapes the index. Two listings with different signatures never count as unchanged.
        scanned_ns: When the scan began.
        files: Every file of the corpus with its status.
        removed: Paths the previously active snapshot had in its index and this one does not have at all.
        embedding: The embedder of the snapshot's vectors; ``None`` for a keyword-only snapshot.
    """

    model_config = ConfigDict(frozen=True)

    splitter: str = "llama_index SentenceSplitter"
    chunk_size: int
    chunk_overlap: int
    settings: dict[str, int | str]
    scanned_ns: int = 0
    files: tuple[FileRecord, ...]
    removed: tuple[str, ...] = ()
    embedding: EmbeddingInfo | None = None


class FailedFile(BaseModel):
    """A file that could not be indexed, with the reason shown to people."""

    model_config = ConfigDict(frozen=True)

    path: str
    error: str


class IngestSummary(BaseModel):
    """The final line of ``docmind ingest --json`` and the result of an ingestion job.

    ``changed`` is false when the corpus indexed exactly what the active snapshot indexes: nothing was
    published and ``snapshot_id`` is the active snapshot. ``files_removed`` counts the files the
    active snapshot had in its index that the new snapshot does not have; ``files_removed_sample``
    names the first ``REMOVED_SAMPLE`` of them.

    Embeddings: ``embed_model`` names the model (``None``: keyword-only); ``windows_total`` windows
    make up the snapshot's vectors, ``windows_embedded`` of them were embedded by this job and
    ``windows_cached`` came from the embedding cache; ``coverage`` is the fraction of the chunks'
    word pieces that some window covers (1.0 = nothing truncated); ``embed_window`` the window size
    in word pieces; ``embed_seconds`` the embed phase's duration.
    """

    model_config = ConfigDict(frozen=True)

    event: str = "summary"
    snapshot_id: str | None
    changed: bool
    files_total: int
    files_indexed: int
    files_cached: int
    files_failed: list[FailedFile]
    files_skipped: int
    files_removed: int
    files_removed_sample: list[str]
    chunks: int
    embed_model: str | None = None
    embed_window: int = 0
    windows_total: int = 0
    windows_embedded: int = 0
    windows_cached: int = 0
    coverage: float | None = None
    embed_seconds: float = 0.0
    seconds: float


def removed_phrase(count: int, names: Sequence[str], shown: int = 3) -> str:
    """``"0 removed"``, ``"2 removed (a.pdf, b.pdf)"`` or ``"12 removed (a, b, c…)"`` for people."""
    if not count:
        return "0 removed"
    listed = ", ".join(names[:shown])
    more = "…" if count > min(shown, len(names)) else ""
    return f"{count} removed ({listed}{more})" if listed else f"{count} removed"
