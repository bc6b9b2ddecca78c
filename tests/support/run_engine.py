"""Running the engine in the test process on a folder, and reading what it published."""

from __future__ import annotations

import threading
from pathlib import Path

from docmind.ingest.index.listing import read_listing
from docmind.ingest.pipeline import run_ingestion
from docmind.ingest.publish.summary import IngestSummary
from docmind.ingest.scan.corpus import Source
from docmind.segments.corpus_listing import CorpusListing
from docmind.settings import Settings
from docmind_snapshots import SnapshotStore

from tests.support.recorder import Recorder


def ingest(data: Path, docs: Path, *, cancel=None, reporter=None, **settings) -> IngestSummary:
    """Ingest ``docs`` into the data dir ``data`` with two workers and ``settings``."""
    return run_ingestion(
        settings=Settings(data_dir=data, workers=2, **settings),
        sources=[Source(docs, "documents")],
        store=SnapshotStore(data / "index"),
        cache_root=data / "cache",
        reporter=reporter or Recorder(),
        cancel=cancel or threading.Event(),
        owner="test",
    )


def listing(data: Path) -> CorpusListing:
    """The corpus listing of the active snapshot of ``data``."""
    store = SnapshotStore(data / "index")
    current = store.current()
    assert current is not None
    with store.open(current.id) as path:
        return read_listing(Path(path))
