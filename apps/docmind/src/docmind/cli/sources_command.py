"""``docmind sources list|add PATH|remove PATH``: the folders that make up the corpus besides documents/."""

from __future__ import annotations

import argparse
import json
from typing import Any

from docmind.cli.context import EXIT_OK, fail, open_service
from docmind.service import DocMind
from docmind.sources import ENVIRONMENT, ENVIRONMENT_VARIABLE, SourceRefusedError, SourceStatus, status_of


def run(args: argparse.Namespace) -> int:
    """Run one ``sources`` action and return its exit code."""
    service = open_service(args)
    try:
        if args.action == "list":
            return _list(service, args.json)
        if args.action == "add":
            return _add(service, args)
        return _remove(service, args)
    finally:
        service.close()


def _list(service: DocMind, as_json: bool) -> int:
    statuses = service.library.statuses(service.settings.max_file_bytes)
    if as_json:
        print(json.dumps([_status_json(s) for s in statuses]), flush=True)
        return EXIT_OK
    if not statuses:
        print(
            f"no sources: the corpus is the documents folder ({service.data.documents.resolve()}); "
            "add a folder with `docmind sources add PATH`"
        )
    for status in statuses:
        source = status.source
        state = f"{status.files} files" if not status.problem else f"UNAVAILABLE: {status.problem}"
        origin = f"  (from {ENVIRONMENT_VARIABLE})" if source.origin == ENVIRONMENT else ""
        print(f"{source.label}  {source.path}  {state}{origin}")
    return EXIT_OK


def _add(service: DocMind, args: argparse.Namespace) -> int:
    try:
        added = service.library.add(args.path)
    except SourceRefusedError as exc:
        return fail(str(exc))
    status = status_of(added, service.settings.max_file_bytes)
    if args.json:
        print(json.dumps(_status_json(status)), flush=True)
    else:
        print(
            f"added source {added.path} (label {added.label}, {status.files} files): "
            "the next `docmind ingest` includes it"
        )
    return EXIT_OK


def _remove(service: DocMind, args: argparse.Namespace) -> int:
    try:
        removed = service.library.remove(args.path)
    except SourceRefusedError as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps({"path": str(removed.path), "label": removed.label, "removed": True}), flush=True)
    else:
        print(f"removed source {removed.path}: the next ingestion drops its files from the index")
    return EXIT_OK


def _status_json(status: SourceStatus) -> dict[str, Any]:
    """A source for ``--json``: path, label, origin, ``available``, ``problem`` and ``files`` (or null)."""
    return {
        "path": str(status.source.path),
        "label": status.source.label,
        "origin": status.source.origin,
        "available": not status.problem,
        "problem": status.problem or None,
        "files": status.files,
    }
