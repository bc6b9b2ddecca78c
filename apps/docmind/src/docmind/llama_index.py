"""DocMind's index as a LlamaIndex retriever: ``DocMindRetriever(data_dir)`` in one line.

A ``BaseRetriever`` over the active snapshot of a DocMind data dir: hybrid (keywords and vectors,
the default when the snapshot has vectors), ``bm25`` or ``dense``. Each result is a
``NodeWithScore`` whose ``TextNode`` holds the whole chunk and its ``file`` and ``page`` metadata,
as LlamaIndex itself stores nodes, so it plugs into a ``RetrieverQueryEngine`` or any pipeline
that takes a retriever. Every query reads the snapshot active at that moment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docmind_snapshots import SnapshotStore
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.utils import metadata_dict_to_node

from docmind.datadir import DataDir
from docmind.search import Fusion, Mode, NoSnapshotError, retrieve
from docmind.settings import Settings

__all__ = ["DocMindRetriever", "NoSnapshotError"]


class DocMindRetriever(BaseRetriever):
    """Retrieve the top ``k`` chunks of a DocMind data dir's active snapshot.

    Args:
        data_dir: The data dir (default: ``DOCMIND_DATA_DIR``, else ``./.docmind-data``).
        mode: ``hybrid``, ``bm25`` or ``dense`` (default: hybrid with vectors, bm25 without); a
            hybrid search fuses as ``DOCMIND_FUSION`` says.
        k: How many nodes each query returns.
        **kwargs: Passed to ``BaseRetriever`` (callback manager, verbosity…).

    Raises:
        FileNotFoundError: ``data_dir`` holds no DocMind index.
    """

    def __init__(
        self, data_dir: str | Path | None = None, mode: Mode | None = None, k: int = 5, **kwargs: Any
    ) -> None:
        settings = Settings()
        root = Path(data_dir) if data_dir is not None else settings.data_dir
        index = DataDir(root).index
        if not index.is_dir():
            raise FileNotFoundError(
                f"{root} is not a DocMind data dir (no index folder): run `docmind ingest` first"
            )
        self._store = SnapshotStore(index)
        self._mode: Mode | None = mode
        self._k = k
        self._fusion: Fusion = settings.fusion
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        found = retrieve(self._store, query_bundle.query_str, k=self._k, mode=self._mode, fusion=self._fusion)
        return [
            NodeWithScore(node=metadata_dict_to_node(item.record), score=item.score) for item in found.found
        ]
