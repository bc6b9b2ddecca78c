"""Text files that take a worker seconds each, for tests that must act while files are in flight."""

from __future__ import annotations

import random
from pathlib import Path

from tests.support.corpus import sentences


def write_slow_texts(folder: Path, *, count: int, sentences_per_file: int = 20_000) -> list[Path]:
    """Write ``count`` distinct ~2 MB text files (seconds each to split on one core)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"long-{number:02d}.txt"
        path.write_text(sentences(random.Random(number), sentences_per_file), encoding="utf-8")
        paths.append(path)
    return paths
