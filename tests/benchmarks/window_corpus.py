"""Text corpora sized in embedding windows, for the ``vector_scale`` group (cached, git-ignored).

Layout under ``tests/benchmarks/.corpus/windows-v<N>-<profile>/``::

    part-00/ … part-09/   generated Markdown, reST and text notes (``docgen.text_note``, each file
                          its own seed); one part ingests to about ``PART_WINDOWS`` windows
    extra/added-note.md   the file added for the one-file update
    part-NN.done          written once a part is complete (an interrupted part is built again)

The 100k-window corpus is ``part-00``; the 1M-window corpus is every part, so the larger corpus
holds the smaller one and the text is generated once. The quick profile has parts of a fiftieth
of the size. Window counts in the figures are read from the snapshots, not from these estimates.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks import docgen
from tests.benchmarks.corpus import CACHE

CORPUS_VERSION = 1
PARTS = 10
PARAGRAPHS = 200  # about 117 KB and about 117 windows of 256 word pieces a file
SUFFIXES = (".md", ".txt", ".rst")


@dataclass(frozen=True)
class WindowCorpus:
    """The parts of a built corpus and the file added for the one-file update."""

    parts: tuple[Path, ...]
    added: Path


def _part_files(quick: bool) -> int:
    return 22 if quick else 860


def _note(job: tuple[str, int]) -> None:
    path, seed = job
    docgen.text_note(Path(path), seed=seed, paragraphs=PARAGRAPHS)


def _build_part(part: Path, number: int, files: int) -> None:
    part.mkdir(parents=True, exist_ok=True)
    for stale in part.glob("*"):
        stale.unlink()
    jobs = [
        (str(part / f"note-{i:05d}{SUFFIXES[i % len(SUFFIXES)]}"), 1_000_000 * (number + 1) + i)
        for i in range(files)
    ]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_note, jobs, chunksize=32))
    part.with_suffix(".done").write_text("ok\n")


def ensure_window_corpus(quick: bool, count: int = PARTS) -> WindowCorpus:
    """Build whichever of the first ``count`` parts is missing (seconds a part); return their paths."""
    root = CACHE / f"windows-v{CORPUS_VERSION}-{'quick' if quick else 'full'}"
    parts = tuple(root / f"part-{n:02d}" for n in range(count))
    for number, part in enumerate(parts):
        if not part.with_suffix(".done").exists():
            print(f"[vector_scale] generating {part} ...", flush=True)
            _build_part(part, number, _part_files(quick))
    added = root / "extra" / "added-note.md"
    if not added.exists():
        docgen.text_note(added, seed=999_999, paragraphs=PARAGRAPHS)
    return WindowCorpus(parts=parts, added=added)
