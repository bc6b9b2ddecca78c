"""The files a search ranks for each labelled question, asked of whichever engine is on the path.

``python -m tests.benchmarks.rank_probe DATA_DIR MODE`` reads the questions of ``questions.json``
from standard input's JSON list of ``[id, text]`` pairs, asks each one through
``docmind.search.search(store, text, k=5, mode=MODE)`` over the active snapshot of ``DATA_DIR`` and
prints one JSON line ``{"event": "ranks", "files": {id: [file, ...]}}``. It uses only that call, which
every engine version since dense search has kept, so the ``regression`` group can run it against the
engine before segments (its sources first on ``PYTHONPATH``) and against today's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    """Answer every question read from standard input (see the module docstring)."""
    from docmind.search import search
    from docmind_snapshots import SnapshotStore

    data, mode = Path(sys.argv[1]), sys.argv[2]
    ask: Any = search  # the engine's own signature varies between versions; ``mode`` is one of its names
    store = SnapshotStore(data / "index")
    ranked = {
        qid: [hit.file for hit in ask(store, text, k=5, mode=mode).hits] for qid, text in json.load(sys.stdin)
    }
    print(
        json.dumps(
            {
                "event": "ranks",
                "engine": str(Path(sys.modules["docmind"].__file__ or "").parent),
                "files": ranked,
            }
        )
    )


if __name__ == "__main__":
    main()
