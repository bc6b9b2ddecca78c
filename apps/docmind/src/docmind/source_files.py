"""Find the file on disk behind a name shown in the index (``report.pdf``, ``library/a/b.md``).

Names are built by the scan (:mod:`docmind.ingest.corpus`): files of the managed documents folder
by their path inside it, files of another source prefixed by its label. The file found must lie
inside its source's folder (a name can never lead outside it) and be a regular file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docmind.ingest.corpus import Source
from docmind.sources import DOCUMENTS_LABEL


def source_file(sources: Sequence[Source], name: str) -> Path | None:
    """Return the file of ``sources`` whose index name is ``name``, or ``None`` if there is none now."""
    for source in sources:
        if source.label == DOCUMENTS_LABEL:
            inner = name
        elif name.startswith(f"{source.label}/"):
            inner = name[len(source.label) + 1 :]
        else:
            continue
        root = source.path.resolve()
        if root.is_file():
            if inner == root.name:
                return root
            continue
        candidate = (root / inner).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None
