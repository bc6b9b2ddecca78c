"""``docmind search``: the active snapshot's best hits for a query, as text or JSON.

It opens the snapshot store alone (its recovery included) and the search engine: a BM25 search loads
neither the job machinery, the ingestion engine nor an embedding runtime (the embedder's modules
are loaded only to embed a query, for ``hybrid`` or ``dense`` on a snapshot with vectors).
"""

from __future__ import annotations

import argparse
import sys

from docmind.cli.context import EXIT_OK, EXIT_USAGE, emit_json, fail, open_snapshots
from docmind.search import NoSnapshotError, SearchModeError
from docmind.search import search as run_search


def search(args: argparse.Namespace) -> int:
    """Search the active snapshot; print each hit's relevance (0-100), file, page, retrievers, score, passage.

    ``--json`` prints every field of each hit, each retriever's raw score among them.
    """
    if args.k < 1:
        return fail("-k must be at least 1", EXIT_USAGE)
    settings, store = open_snapshots(args)
    try:
        result = run_search(store, args.query, k=args.k, mode=args.mode, fusion=settings.fusion)
    except (NoSnapshotError, SearchModeError) as exc:
        return fail(str(exc))
    if result.warning:
        print(f"docmind: {result.warning}", file=sys.stderr)
    if result.keyword_only:
        print("note: the active snapshot is keyword-only (no vectors): BM25 search", file=sys.stderr)
    if result.fallback:
        print(f"note: {result.fallback}: BM25 search only", file=sys.stderr)
    if args.json:
        emit_json([hit.model_dump(mode="json") for hit in result.hits])
        return EXIT_OK
    if not result.hits:
        print("no matches")
    for hit in result.hits:
        page = f" p.{hit.page}" if hit.page else ""
        found = "+".join(hit.retrievers)
        heading = f"{hit.relevance:3d}/100  {hit.file}{page}  [{found}]  score {hit.score:.4g}"
        print(f"{heading}\n         {hit.excerpt}")
    return EXIT_OK
