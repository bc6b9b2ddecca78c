"""What an ingestion produced: the per-file corpus listing stored in the snapshot, and the summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from docmind.ingest.file_status import FileStatus

if TYPE_CHECKING:
    from docmind.ingest.worker import FileOutcome

SAMPLE = 10
"""How many paths the summary names per kind (``files_removed_sample``, ``files_added_sample``…);
the listing keeps them all."""


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
        canary: An endpoint's vector for the canary text, rounded (``docmind.embed.identity``); a
            search refuses the vectors when the endpoint answers another one. Empty for a local model.
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
    canary: tuple[float, ...] = ()
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
        added: Paths this snapshot has in its index and the previously active one did not.
        changed: Paths in both indexes whose content differs.
        parsed: In ``corpus.json`` only: the files the segments hold that this ingestion parsed (status
            ``indexed``); the segments' other files came from the chunk cache (``cached``). In memory
            (``listing.read_listing``) every file carries its status and this is empty.
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
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    parsed: tuple[str, ...] = ()
    embedding: EmbeddingInfo | None = None


class FailedFile(BaseModel):
    """A file that could not be indexed, with the reason shown to people."""

    model_config = ConfigDict(frozen=True)

    path: str
    error: str


class SkippedNote(BaseModel):
    """A file that was not ingested (unsupported, too large, a symlink leaving its source…) and why."""

    model_config = ConfigDict(frozen=True)

    path: str
    reason: str


class RayWorkerFiles(BaseModel):
    """A Ray worker process that parsed files of a job: its machine, Ray node and pid, and how many files."""

    model_config = ConfigDict(frozen=True)

    host: str
    node_id: str
    pid: int
    files: int


def ray_workers_of(outcomes: Iterable[FileOutcome]) -> list[RayWorkerFiles]:
    """The Ray workers that parsed ``outcomes``, busiest first (empty: none was parsed on Ray)."""
    counted = Counter(outcome.ray_worker for outcome in outcomes if outcome.ray_worker is not None)
    return [
        RayWorkerFiles(host=worker.host, node_id=worker.node_id, pid=worker.pid, files=files)
        for worker, files in counted.most_common()
    ]


class IngestSummary(BaseModel):
    """The final line of ``docmind ingest --json`` and the result of an ingestion job.

    ``changed`` is false when the corpus indexed exactly what the active snapshot indexes: nothing was
    published and ``snapshot_id`` is the active snapshot. Against the snapshot that was active,
    ``files_added`` counts the files the new index has and it had not, ``files_changed`` those whose
    content differs, ``files_removed`` those it had and the new one does not have; each ``*_sample``
    names the first ``SAMPLE`` of them. ``files_skipped`` counts the files found but not ingested
    (unsupported, too large…), ``files_skipped_sample`` names the first ``SAMPLE`` with the reason;
    ``empty_sources`` are the source folders in which nothing was found.

    Embeddings: ``embed_model`` names the model (``None``: keyword-only); ``windows_total`` windows
    make up the snapshot's vectors, ``windows_embedded`` of them were embedded by this job and
    ``windows_cached`` came from the embedding cache; ``coverage`` is the fraction of the chunks'
    word pieces that some window covers (1.0 = nothing truncated); ``embed_window`` the window size
    in word pieces; ``embed_seconds`` the embed phase's duration.

    ``ray_workers`` names the Ray worker processes that parsed this job's files (empty: the files were
    parsed on this machine's workers, or none needed parsing), so the job history shows where the work ran.
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
    files_skipped_sample: list[SkippedNote] = []
    files_added: int = 0
    files_added_sample: list[str] = []
    files_changed: int = 0
    files_changed_sample: list[str] = []
    files_removed: int
    files_removed_sample: list[str]
    empty_sources: list[str] = []
    chunks: int
    embed_model: str | None = None
    embed_window: int = 0
    windows_total: int = 0
    windows_embedded: int = 0
    windows_cached: int = 0
    coverage: float | None = None
    embed_seconds: float = 0.0
    ray_workers: list[RayWorkerFiles] = []
    seconds: float


def count_phrase(count: int, names: Sequence[str], what: str, shown: int = 3) -> str:
    """``"0 removed"``, ``"2 removed (a.pdf, b.pdf)"`` or ``"12 added (a, b, c…)"`` for people."""
    if not count:
        return f"0 {what}"
    listed = ", ".join(names[:shown])
    more = "…" if count > min(shown, len(names)) else ""
    return f"{count} {what} ({listed}{more})" if listed else f"{count} {what}"
