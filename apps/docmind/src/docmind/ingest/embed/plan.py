"""The embed plan: which windows the cache lacks, counted in one light pass, then read back group by group.

No step holds the text of every window to embed (a corpus's windows are about 1.5 KB each).

1. ``plan_windows`` cuts every chunk of every file into windows (``docmind.embed.windows``) and asks
   the embedding cache which it has. It keeps the counts (windows, word pieces, covered pieces), and
   per file where its windows to embed lie: chunk number and character span, 12 bytes a window.
   A window is "to embed" in the first file that has it and the cache lacks it, so a window shared
   by several files is embedded once; the keys that tell (16 bytes a window) live only during the
   pass. The total to embed is therefore exact before the first call.
2. ``pending_groups`` reads the files back from the chunk cache in the same order, a group of files
   at a time (about ``GROUP_WINDOWS`` windows; a file is never split), slices their windows out of
   the chunks (no second tokenisation) and yields each group sorted by length, so that batches cut
   from it hold windows of similar length (little padding). Memory holds one group's text.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from tokenizers import Tokenizer

from docmind.embed.cache import EmbeddingCache
from docmind.embed.windows import chunk_windows, window_key
from docmind.executors.errors import IngestCancelled
from docmind.ingest.parse.chunk_cache import CacheEntry
from docmind.ingest.parse.indexed_file import IndexedFile
from docmind.ingest.progress.tracker import IngestProgress

GROUP_WINDOWS = 2_048
"""Windows of the files read back at once (more only when one file has more)."""

EntryOf = Callable[[IndexedFile], CacheEntry]
"""The chunk cache entry of an indexed file."""


class PendingWindow(NamedTuple):
    """One window to embed: its cache key, its text, and the file it was planned in."""

    key: bytes
    text: str
    path: str


@dataclass
class FileSpans:
    """The windows one file has to embed: ``(chunk, start, end)`` triples, flat."""

    file: IndexedFile
    spans: array[int] = field(default_factory=lambda: array("I"))


@dataclass
class EmbedPlan:
    """What the first pass found: counts, and where each window to embed lies."""

    windows: int = 0
    tokens: int = 0
    covered: int = 0
    pending: int = 0
    seconds: float = 0.0
    files: list[FileSpans] = field(default_factory=list)


def plan_windows(
    files: Sequence[IndexedFile],
    entry_of: EntryOf,
    tokenizer: Tokenizer,
    window: int,
    cache: EmbeddingCache,
    progress: IngestProgress,
    cancel: threading.Event,
) -> EmbedPlan:
    """Count the windows of ``files`` and locate those the cache lacks (step 1 of the module docstring).

    Raises:
        IngestCancelled: the cancel event was set (checked before each file).
    """
    started = progress.clock()
    plan = EmbedPlan()
    planned: set[bytes] = set()
    for position, file in enumerate(files):
        if cancel.is_set():
            raise IngestCancelled
        found: dict[bytes, tuple[int, int, int]] = {}
        for number, chunk in enumerate(entry_of(file).chunks):
            cut = chunk_windows(chunk.text, tokenizer, window)
            plan.windows += len(cut.texts)
            plan.tokens += cut.tokens
            plan.covered += cut.covered
            at = 0
            for text in cut.texts:
                # Windows come in order, each a slice of the chunk starting after the one before, so
                # this finds it; an earlier equal slice would do as well (the same text).
                start = chunk.text.find(text, at)
                found.setdefault(window_key(text), (number, start, start + len(text)))
                at = start + 1
        fresh = {key: span for key, span in found.items() if key not in planned}
        known = cache.known(fresh)
        spans = FileSpans(file)
        for key, span in fresh.items():
            if key not in known:
                planned.add(key)
                spans.spans.extend(span)
        if spans.spans:
            plan.files.append(spans)
        progress.item = file.path
        progress.emit(f"planning embedding windows ({position + 1} / {len(files)} files)")
    plan.pending = len(planned)
    plan.seconds = progress.clock() - started
    return plan


def pending_groups(
    plan: EmbedPlan, entry_of: EntryOf, cancel: threading.Event
) -> Iterator[list[PendingWindow]]:
    """Yield the plan's windows to embed, group by group, each group sorted by length (step 2).

    Raises:
        IngestCancelled: the cancel event was set (checked before each file).
    """
    group: list[PendingWindow] = []
    for planned in plan.files:
        if cancel.is_set():
            raise IngestCancelled
        chunks = entry_of(planned.file).chunks
        spans = planned.spans
        for at in range(0, len(spans), 3):
            text = chunks[spans[at]].text[spans[at + 1] : spans[at + 2]]
            group.append(PendingWindow(window_key(text), text, planned.file.path))
        if len(group) >= GROUP_WINDOWS:
            yield sorted(group, key=lambda pending: len(pending.text))
            group = []
    if group:
        yield sorted(group, key=lambda pending: len(pending.text))
