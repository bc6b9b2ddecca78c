"""Adding paths to the corpus as ``docmind ingest PATH...`` does: folders become sources, files are copied.

A folder is registered as a source (``docmind.sources``). A file is copied into the managed documents
folder the way an upload is saved (``docmind.uploads.save_upload``: sanitised name, content stored
once). Every path is checked before anything changes, so a refusal (one line) leaves the sources
and the documents folder as they were. A path the corpus already covers (a source, a folder inside
one, a file in the documents folder or in a source) is noted and left alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from docmind.ingest.scan.corpus import SUPPORTED_EXTENSIONS, format_size
from docmind.service import DocMind
from docmind.sources import SourceRefusedError, absolute_path
from docmind.uploads import DUPLICATE, REFUSED, save_upload

SOURCE = "source"
DOCUMENT = "document"
ADDED = "added"
COVERED = "covered"


@dataclass(frozen=True)
class Addition:
    """What happened to one path.

    Attributes:
        path: The path as given, made absolute.
        kind: ``source`` (a folder) or ``document`` (a file).
        status: ``added`` or ``covered`` for a folder; ``saved``, ``duplicate`` or ``covered`` for a file.
        name: The new source's label, or the document's name in the documents folder, or what covers it.
        note: The sentence shown to people.
    """

    path: Path
    kind: str
    status: str
    name: str
    note: str


def add_to_corpus(service: DocMind, paths: Sequence[Path]) -> list[Addition]:
    """Check every path, then register the folders and copy the files, in order.

    Raises:
        SourceRefusedError: a path cannot join the corpus (the message says why); nothing was changed.
    """
    steps = [_plan(service, path) for path in paths]
    return [step() for step in steps]


def _plan(service: DocMind, path: Path) -> Callable[[], Addition]:
    shown = absolute_path(path)
    if path.is_dir():
        return _plan_folder(service, shown)
    if path.is_file():
        return _plan_file(service, shown)
    raise SourceRefusedError(f"cannot ingest {shown}: no such file or folder")


def _plan_folder(service: DocMind, shown: Path) -> Callable[[], Addition]:
    documents = service.data.documents.resolve()
    folder = shown.resolve()
    if folder == documents or documents in folder.parents:
        note = f"{shown} is in the documents folder, which every ingestion includes"
        return lambda: Addition(shown, SOURCE, COVERED, "documents", note)
    covering = service.library.covering(shown)
    if covering is not None:
        note = f"{shown} is already part of the corpus (source {covering.path})"
        return lambda: Addition(shown, SOURCE, COVERED, covering.label, note)
    service.library.check(shown)

    def register() -> Addition:
        added = service.library.add(shown)
        note = f"added source {added.path} (label {added.label}): every ingestion includes it from now on"
        return Addition(shown, SOURCE, ADDED, added.label, note)

    return register


def _plan_file(service: DocMind, shown: Path) -> Callable[[], Addition]:
    documents = service.data.documents.resolve()
    target = shown.resolve()
    if documents in target.parents:
        note = f"{shown} is already in the documents folder"
        return lambda: Addition(shown, DOCUMENT, COVERED, target.name, note)
    covering = service.library.covering(shown)
    if covering is not None:
        note = f"{shown} is already part of the corpus (source {covering.path})"
        return lambda: Addition(shown, DOCUMENT, COVERED, covering.label, note)
    if service.data.root.resolve() in target.parents:
        raise SourceRefusedError(f"cannot ingest {shown}: it is inside the data dir")
    if target.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise SourceRefusedError(f"cannot ingest {shown}: unsupported file type {target.suffix or '(none)'}")
    limit = service.settings.max_file_bytes
    if target.stat().st_size > limit:
        raise SourceRefusedError(f"cannot ingest {shown}: larger than the limit of {format_size(limit)}")
    if not os.access(target, os.R_OK):
        raise SourceRefusedError(f"cannot ingest {shown}: permission denied")

    def copy() -> Addition:
        result = save_upload(service.data.documents, target.name, target.read_bytes(), max_bytes=limit)
        if result.status == REFUSED:
            raise SourceRefusedError(f"cannot ingest {shown}: {result.note}")
        if result.status == DUPLICATE:
            note = f"{shown}: the documents folder already holds the same content; not copied"
        else:
            note = f"copied {shown} into the documents folder as {result.name}"
        return Addition(shown, DOCUMENT, result.status, result.name, note)

    return copy
