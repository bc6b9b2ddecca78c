"""Sentence-aware splitting of a text into chunks of at most ``chunk_size`` tokens, with overlap.

Tokens are those of LlamaIndex's ``SentenceSplitter`` default: OpenAI's ``cl100k_base`` encoding,
through ``tiktoken`` (a compiled encoder), read from the copy LlamaIndex bundles (no network). The
splitter imports neither ``llama_index.core`` nor NLTK: a worker that only splits stays light.

Contract of :meth:`SentenceTokenSplitter.split_text`:
- every chunk counts at most ``chunk_size`` tokens, counted exactly on the chunk as returned;
- a chunk is a stripped slice of the text, never empty; a blank text gives no chunks;
- chunks end at sentence ends (``.``, ``!``, ``?`` before whitespace and a word that does not start
  in lower case, or a CJK full stop) or paragraph breaks wherever the text has them; a sentence
  longer than a chunk is cut at line breaks, then after clause punctuation, then between words,
  then (a run without whitespace) between characters;
- each chunk after the first repeats the last whole units (sentences, or the pieces a long sentence
  was cut into) of the one before, up to ``chunk_overlap`` tokens, when they fit beside the next unit.

How: the text is cut into units at the first level whose pieces fit; each unit is encoded once
and chunks are packed from the units' token counts. A sum of counts is an estimate (the encoder
may merge across a cut), so each packed chunk is encoded once more and shortened by whole units
in the rare case it is over the budget.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENCODING = "cl100k_base"
NAME = f"docmind-sentence-tokens-1/{ENCODING}"
"""The splitter's name and version as recorded in the cache fingerprint and the corpus listing.

Change the number whenever the same text may be cut differently."""

_LEVELS = (
    # Sentence ends (the whitespace after them goes to the next unit) and paragraph breaks.
    re.compile(r"(?<=[.!?])(?=\s+[^\sa-z])|(?<=[.!?][\"'”’)\]])(?=\s+[^\sa-z])|(?<=[。！？])|(?=\n[ \t]*\n)"),
    re.compile(r"(?=\n)"),
    re.compile(r"(?<=[,;:])(?=\s)"),
    re.compile(r"(?=\s)"),
)


def _bundled_encodings() -> str:
    spec = importlib.util.find_spec("llama_index.core")  # imports only the namespace package
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llama-index-core is not installed: its bundled token encodings are needed")
    return str(Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache")


def token_counter() -> Callable[[str], int]:
    """The token count of a text in the splitter's encoding (loaded offline on the first call)."""
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", _bundled_encodings())
    import tiktoken

    encoding = tiktoken.get_encoding(ENCODING)
    encode = encoding.encode_ordinary
    return lambda text: len(encode(text))


@dataclass(frozen=True)
class _Unit:
    text: str
    tokens: int


class SentenceTokenSplitter:
    """Split texts into sentence-aware chunks of at most ``chunk_size`` tokens (see the module docstring)."""

    def __init__(self, chunk_size: int, chunk_overlap: int) -> None:
        """Raises ``ValueError`` unless ``0 <= chunk_overlap < chunk_size``."""
        if not 0 <= chunk_overlap < chunk_size:
            raise ValueError("need 0 <= chunk_overlap < chunk_size")
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._count = token_counter()

    def split_text(self, text: str) -> list[str]:
        """The chunks of ``text`` in order (empty for a blank text)."""
        if not text.strip():
            return []
        return self._pack(self._units(text, 0))

    def _units(self, text: str, level: int) -> list[_Unit]:
        """Cut ``text`` at ``_LEVELS[level]``, and each piece over the budget at the next levels."""
        if level == len(_LEVELS):
            return self._cut_characters(text)
        pieces = [piece for piece in _LEVELS[level].split(text) if piece]
        units: list[_Unit] = []
        for piece in pieces:
            count = self._count(piece)
            units.extend([_Unit(piece, count)] if count <= self.chunk_size else self._units(piece, level + 1))
        return units

    def _cut_characters(self, text: str) -> list[_Unit]:
        """Cut a run with no usable break into the longest prefixes that fit (binary search on length).

        The search looks at a window of the run, not all of it: counting a prefix costs its length, so
        searching a long run (a base64 blob) whole would be quadratic. The window starts at 8 characters
        a token and doubles while all of it still fits.
        """
        units: list[_Unit] = []
        while text:
            window = 8 * self.chunk_size
            while window < len(text) and self._count(text[:window]) <= self.chunk_size:
                window *= 2
            low, high = 1, min(len(text), window)
            while low < high:
                middle = (low + high + 1) // 2
                if self._count(text[:middle]) <= self.chunk_size:
                    low = middle
                else:
                    high = middle - 1
            units.append(_Unit(text[:low], self._count(text[:low])))
            text = text[low:]
        return units

    def _pack(self, units: list[_Unit]) -> list[str]:
        chunks: list[str] = []
        start = 0
        while start < len(units):
            end, total = start + 1, units[start].tokens
            while end < len(units) and total + units[end].tokens <= self.chunk_size:
                total += units[end].tokens
                end += 1
            chunk = "".join(unit.text for unit in units[start:end]).strip()
            while end - start > 1 and self._count(chunk) > self.chunk_size:
                end -= 1
                chunk = "".join(unit.text for unit in units[start:end]).strip()
            if chunk:
                chunks.append(chunk)
            start = end if end == len(units) else self._overlap_start(units, start, end)
        return chunks

    def _overlap_start(self, units: list[_Unit], start: int, end: int) -> int:
        """Where the next chunk starts: the last units before ``end`` that fit the overlap and beside it."""
        room = min(self.chunk_overlap, self.chunk_size - units[end].tokens)
        first, kept = end, 0
        while first - 1 > start and kept + units[first - 1].tokens <= room:
            first -= 1
            kept += units[first].tokens
        return first
