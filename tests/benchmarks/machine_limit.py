"""The machine's limit: CPU-seconds of the unavoidable stages of an ingest, measured alone, as a script.

``python -m tests.benchmarks.machine_limit INPUT_DIR`` runs, in this one process and one file at a
time, exactly the work no ingest can skip: text extraction (``parse_file``) and splitting with BM25
terms (``split_pages``, DocMind's 1024/200 settings), over every file under INPUT_DIR. Imports and
the splitter's warm-up are excluded; nothing is cached, hashed, indexed or written. Prints one JSON
line: files, chunks, failed files and the CPU-seconds of each stage and of each format. Divided by
the cores, the total is the shortest wall time any ingest of that corpus can reach on this machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

CHUNK_SIZE = 1024
CHUNK_OVERLAP = 200
TEXT_SUFFIXES = frozenset({"txt", "md", "markdown", "rst"})


def measure(root: Path) -> dict[str, Any]:
    """Extract and split every file under ``root``; return counts and CPU-seconds per stage."""
    from docmind.ingest.parse.file_task import split_pages, warm_up
    from docmind.ingest.parse.parsers import ParseError, never_cancelled, parse_file

    warm_up()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    parse_s = split_s = 0.0
    chunks = failed = 0
    by_format: dict[str, float] = {}
    for path in files:
        started = time.process_time()
        try:
            pages = parse_file(path, never_cancelled)
        except ParseError:
            failed += 1
            parse_s += time.process_time() - started
            continue
        parsed = time.process_time()
        chunks += len(split_pages(pages, CHUNK_SIZE, CHUNK_OVERLAP))
        done = time.process_time()
        split_s += done - parsed
        parse_s += parsed - started
        kind = format_of(path)
        by_format[kind] = by_format.get(kind, 0.0) + done - started
    return {
        "files": len(files),
        "failed": failed,
        "chunks": chunks,
        "parse_cpu_s": round(parse_s, 3),
        "split_terms_cpu_s": round(split_s, 3),
        "cpu_s": round(parse_s + split_s, 3),
        "cpu_s_by_format": {kind: round(seconds, 3) for kind, seconds in sorted(by_format.items())},
    }


def format_of(path: Path) -> str:
    """The format group of a file for the per-format breakdown: its suffix, text formats together."""
    suffix = path.suffix.lower().lstrip(".")
    return "text" if suffix in TEXT_SUFFIXES else suffix


def main() -> None:
    """Parse arguments, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description="CPU-seconds of the unavoidable ingest stages")
    parser.add_argument("input_dir", type=Path)
    args = parser.parse_args()
    print(json.dumps({"event": "machine_limit", **measure(args.input_dir)}), flush=True)


if __name__ == "__main__":
    main()
