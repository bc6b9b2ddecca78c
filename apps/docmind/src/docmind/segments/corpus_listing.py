"""The corpus listing published in every snapshot (``corpus.json``): its files, their statuses, the embedder.

Written by the publish stage, read by search (the embedder of the vectors, the files a hit can name),
by the next ingestion (what it can reuse) and by the pages. Part of the index format: it imports nothing
of ingestion or search.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from docmind.segments.file_status import FileStatus


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
        runtimes: The runtimes (and precisions) that embedded the vectors, ``openvino f32``; all of them
            verified to agree with torch f32 (``docmind.embed.spec``), so they share the cache.
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
    runtimes: tuple[str, ...] = ()


class CorpusListing(BaseModel):
    """The ``corpus.json`` file published inside every snapshot.

    Attributes:
        splitter: The splitter's name and version (``docmind.ingest.parse.splitter.NAME``); listings
            written before it was recorded were all split by LlamaIndex's ``SentenceSplitter``.
        chunk_size: The splitter's chunk size.
        chunk_overlap: The splitter's chunk overlap.
        settings: The settings signature (``docmind.ingest.publish.changes.settings_signature``):
            every setting that shapes the index. Two listings with different signatures never count as
            unchanged.
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


class _EmbeddingOnly(BaseModel):
    """The one field of ``corpus.json`` a search needs: the other fields are skipped, not built."""

    embedding: EmbeddingInfo | None = None


def read_embedding(listing: Path) -> EmbeddingInfo | None:
    """The embedder recorded in the ``corpus.json`` at ``listing``, without building its file records.

    A search opens a snapshot for this alone; building every ``FileRecord`` would make its memory
    grow with the corpus (about 20 MiB more at 13,000 files).

    Raises:
        OSError: the file cannot be read.
        pydantic.ValidationError: it is not a corpus listing's JSON.
    """
    return _EmbeddingOnly.model_validate_json(listing.read_bytes()).embedding
