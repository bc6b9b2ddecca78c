"""What an ingestion produced, as its summary says it.

The listing stored in the snapshot is ``docmind.segments.corpus_listing``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from docmind.ingest.parse.file_task import FileOutcome

SAMPLE = 10
"""How many paths the summary names per kind (``files_removed_sample``, ``files_added_sample``…);
the listing keeps them all."""


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


class IndexBuilder(BaseModel):
    """A process that built new segments of a job: its machine and pid, and how many segments it wrote."""

    model_config = ConfigDict(frozen=True)

    host: str
    pid: int
    segments: int


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
    in word pieces; ``embed_seconds`` the embed phase's duration; ``embed_runtime`` what ran the model
    in this job (``openvino f32``; empty when it embedded nothing).

    ``ray_workers`` names the Ray worker processes that parsed this job's files (empty: the files were
    parsed on this machine's workers, or none needed parsing), so the job history shows where the work ran;
    ``index_builders`` the processes that built the new segments (this machine's workers, or Ray
    workers when the cluster shares the driver's storage; empty: no segment was written).
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
    embed_runtime: str = ""
    ray_workers: list[RayWorkerFiles] = []
    index_builders: list[IndexBuilder] = []
    seconds: float


def count_phrase(count: int, names: Sequence[str], what: str, shown: int = 3) -> str:
    """``"0 removed"``, ``"2 removed (a.pdf, b.pdf)"`` or ``"12 added (a, b, c…)"`` for people."""
    if not count:
        return f"0 {what}"
    listed = ", ".join(names[:shown])
    more = "…" if count > min(shown, len(names)) else ""
    return f"{count} {what} ({listed}{more})" if listed else f"{count} {what}"
