"""Chunks as embedding windows: every word piece of a chunk is inside some window (no truncation).

A chunk (up to ``chunk_size`` tiktoken tokens) is longer than what the model reads (``window``
word pieces, special tokens included), so it is embedded as consecutive windows of the model's
own word pieces that overlap by an eighth of a window. Windows start and end on word boundaries,
so each window's text tokenizes to at most ``window - 2`` pieces again. Search matches windows
and answers with their chunk (small windows for matching, the chunk for context).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

SPECIAL_TOKENS = 2
"""The model adds a start and an end token to every window."""


@dataclass(frozen=True)
class ChunkWindows:
    """The windows of one chunk and how many of its word pieces they cover."""

    texts: list[str]
    tokens: int
    covered: int


def load_tokenizer(folder: Path) -> Tokenizer:
    """The fast tokenizer of a model folder (``tokenizer.json``), without truncation or padding."""
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def window_key(text: str) -> bytes:
    """The embedding cache's key of a window's text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def chunk_windows(text: str, tokenizer: Tokenizer, window: int) -> ChunkWindows:
    """Cut ``text`` into windows of at most ``window`` word pieces (special tokens included).

    A blank text has no windows. A single word longer than a window is cut inside the word (its
    pieces are still all covered).
    """
    if not text.strip():
        return ChunkWindows([], 0, 0)
    encoding = tokenizer.encode(text, add_special_tokens=False)
    offsets, words = encoding.offsets, encoding.word_ids
    count = len(offsets)
    if count == 0:
        return ChunkWindows([], 0, 0)
    size = max(window - SPECIAL_TOKENS, 8)
    overlap = size // 8
    texts: list[str] = []
    covered_to = 0
    start = 0
    while True:
        end = min(start + size, count)
        if end < count:
            end = _word_start(words, end, floor=start + 1)
        texts.append(text[offsets[start][0] : offsets[end - 1][1]])
        covered_to = max(covered_to, end)
        if end >= count:
            break
        start = max(_word_start(words, end - overlap, floor=start + 1), start + 1)
    return ChunkWindows(texts, count, covered_to)


def _word_start(words: list[int | None], index: int, floor: int) -> int:
    """The first piece of the word that holds piece ``index``, but not before ``floor``."""
    position = index
    while position > floor and words[position] is not None and words[position - 1] == words[position]:
        position -= 1
    return position if position > floor or words[index] != words[index - 1] else index
