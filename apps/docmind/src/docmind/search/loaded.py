"""A published snapshot opened for search: its segments (``SnapshotIndex``) and the embedder of its vectors.

Snapshots are immutable, so an opened snapshot is kept (the two most recent, by store and id) and
shared by every search of the process. An opened snapshot holds a reader pin on it (retention keeps it) until
it is dropped from that cache and no search uses it any more; its segments are memory-mapped, so the
pages the kernel holds serve every process and opening costs no copy of the index.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from docmind_snapshots import SnapshotStore

from docmind.segments import layout
from docmind.segments.corpus_listing import EmbeddingInfo, read_embedding
from docmind.segments.snapshot_index import SnapshotIndex

if TYPE_CHECKING:
    from docmind.embed.spec import EmbedSpec

_MAX_LOADED = 2


@dataclass
class LoadedSnapshot:
    """One snapshot ready for queries: its index and what embedded its vectors (``None``: keyword-only)."""

    snapshot_id: str
    index: SnapshotIndex
    embedding: EmbeddingInfo | None

    @property
    def chunks(self) -> int:
        """Chunks in the snapshot."""
        return self.index.chunks

    @property
    def keyword_only(self) -> bool:
        """Whether the snapshot has no vectors (then only BM25 can search it)."""
        return self.embedding is None

    @cached_property
    def spec(self) -> EmbedSpec | None:
        """The embedder of the vectors (``None``: keyword-only), made when a query is first embedded.

        Made on demand, not when the snapshot opens: a search by keywords imports nothing of
        ``docmind.embed``, even on a snapshot with vectors.
        """
        return _spec(self.embedding)


_loaded: OrderedDict[tuple[Path, str], LoadedSnapshot] = OrderedDict()
"""Opened snapshots by (store root, id): two data dirs may hold snapshots of the same id."""
_loaded_lock = threading.Lock()


def loaded_snapshot(store: SnapshotStore, snapshot_id: str) -> LoadedSnapshot:
    """The snapshot ``snapshot_id`` opened for search (from the small cache of opened snapshots).

    Raises:
        SnapshotNotFoundError: it does not exist (or is being deleted).
        SegmentDamagedError: a mapped file does not match its checksum.
        OSError: a file cannot be read.
    """
    key = (store.root, snapshot_id)
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    snapshot = _open(store, snapshot_id)
    with _loaded_lock:
        _loaded[key] = snapshot
        while len(_loaded) > _MAX_LOADED:
            _loaded.popitem(last=False)
    return snapshot


def forget(store: SnapshotStore, snapshot_id: str) -> None:
    """Drop an opened snapshot from the cache (it closes once no search uses it)."""
    with _loaded_lock:
        _loaded.pop((store.root, snapshot_id), None)


def _open(store: SnapshotStore, snapshot_id: str) -> LoadedSnapshot:
    stack = contextlib.ExitStack()
    try:
        path = Path(stack.enter_context(store.open(snapshot_id)))
        checksums = {entry.path: entry.sha256 for entry in store.manifest(snapshot_id).files}
        index = stack.enter_context(SnapshotIndex(path, checksums))
        embedding = read_embedding(path / layout.CORPUS_FILE)
    except BaseException:
        stack.close()
        raise
    snapshot = LoadedSnapshot(snapshot_id, index, embedding if index.has_vectors else None)
    weakref.finalize(snapshot, stack.close)  # unpin and release the files once nobody uses it
    return snapshot


def _spec(info: EmbeddingInfo | None) -> EmbedSpec | None:
    """The snapshot's embedder, run on the runtime this process's settings ask for."""
    if info is None:
        return None
    from docmind.embed.spec import EmbedSpec
    from docmind.settings import Settings

    settings = Settings()
    return EmbedSpec(
        kind="http" if info.kind == "http" else "local",
        model=info.model,
        url=info.url,
        name=info.name,
        identity=info.identity,
        window=info.window,
        batch=1,
        tokenizer_dir=Path(info.tokenizer_dir),
        canary=info.canary,
        runtime=settings.embed_runtime,
        model_cache=str(settings.model_cache.expanduser()),
    )
