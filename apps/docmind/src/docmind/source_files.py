"""The documents a download may serve: files of the active snapshot's corpus, found on disk.

Names are built by the scan (:mod:`docmind.ingest.scan.corpus`): files of the managed documents folder
by their path inside it, files of another source prefixed by its label. A name is served only when

1. the active snapshot's corpus listing (``corpus.json``) lists it as ingested (indexed or cached),
   under the label of a source of the corpus now, and
2. it resolves, symlinks followed, to a regular file inside that source's folder.

So a download can never reach a file the corpus does not hold: not another file of the server, not
a file a symlink leads to outside its source, not a file added to a source since the snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from docmind.ingest.scan.corpus import Source
from docmind.segments.corpus_listing import CorpusListing
from docmind.sources import DOCUMENTS_LABEL

GONE = "The source file is no longer on disk."


class NotServedError(Exception):
    """A document is not served; the message (one line, for people) says why."""


class SnapshotFiles:
    """The downloadable files of one snapshot's corpus, over the corpus's sources as they are now.

    Args:
        listing: The snapshot's corpus listing; ``None`` when it cannot be read (nothing is served).
        sources: The corpus's sources (the documents folder, the registered and environment folders).
    """

    def __init__(self, listing: CorpusListing | None, sources: Sequence[Source]) -> None:
        self._listed = (
            None if listing is None else {f.path: f.source for f in listing.files if f.status.is_ingested}
        )
        self._sources = {source.label: source for source in sources}

    def file(self, name: str) -> Path:
        """The file on disk behind the index name ``name`` (resolved).

        Raises:
            NotServedError: the name is not a file of the snapshot's corpus, or its file is gone or
                now leads outside its source.
        """
        if self._listed is None:
            raise NotServedError("No download: the active snapshot's list of files cannot be read.")
        label = self._listed.get(name)
        if label is None:
            raise NotServedError("No download: this file is not in the active snapshot's corpus.")
        source = self._sources.get(label)
        if source is None:
            raise NotServedError("No download: its source folder is no longer part of the corpus.")
        inner = name if label == DOCUMENTS_LABEL else name.removeprefix(f"{label}/")
        root = source.path.resolve()
        if root.is_file():  # a source that is one file
            if inner != root.name:
                raise NotServedError(GONE)
            return root
        candidate = (root / inner).resolve()
        if candidate == root or not candidate.is_relative_to(root):
            raise NotServedError("No download: the file now leads outside its source folder.")
        if not candidate.is_file():
            raise NotServedError(GONE)
        return candidate


def read_served(path: Path) -> bytes:
    """The bytes of ``path`` (a resolved file): a symlink put in its place since is not followed."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read()
