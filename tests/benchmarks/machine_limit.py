"""The machine's limit: CPU-seconds of the unavoidable stages of an ingest, measured alone, as a script.

``python -m tests.benchmarks.machine_limit INPUT_DIR`` runs, in this one process and one file at a
time, exactly the work no ingest can skip: text extraction (``parse_file``) and splitting with BM25
terms (``split_pages``, DocMind's 1024/200 settings), over every file under INPUT_DIR. Imports and
the splitter's warm-up are excluded; nothing is cached, hashed, indexed or written. Prints one JSON
line: files, chunks, failed files and the CPU-seconds of each stage. Divided by the cores, the total
is the shortest wall time any ingest of that corpus can reach on this machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

CHUNK_SIZE = 1024
CHUNK_OVERLAP = 200


def measure(root: Path) -> dict[str, float | int]:
    """Extract and split every file under ``root``; return counts and CPU-seconds per stage."""
    from docmind.ingest.parsers import ParseError, never_cancelled, parse_file
    from docmind.ingest.worker import split_pages, warm_up

    warm_up()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    parse_s = split_s = 0.0
    chunks = failed = 0
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
        split_s += time.process_time() - parsed
        parse_s += parsed - started
    return {
        "files": len(files),
        "failed": failed,
        "chunks": chunks,
        "parse_cpu_s": round(parse_s, 3),
        "split_terms_cpu_s": round(split_s, 3),
        "cpu_s": round(parse_s + split_s, 3),
    }


def main() -> None:
    """Parse arguments, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description="CPU-seconds of the unavoidable ingest stages")
    parser.add_argument("input_dir", type=Path)
    args = parser.parse_args()
    print(json.dumps({"event": "machine_limit", **measure(args.input_dir)}), flush=True)


if __name__ == "__main__":
    main()
