"""BM25 terms of a text, computed exactly as LlamaIndex's ``BM25Retriever`` computes them.

``BM25Retriever.from_defaults`` tokenizes ``node.get_content(MetadataMode.EMBED)`` (the metadata
lines, a blank line, the text) with ``bm25s.tokenize``: lower-case, its two-letter word pattern,
English stopwords, the PyStemmer English stemmer; its queries go through the same tokenizer.
Workers compute the terms of each chunk's *text* while they split it (in parallel, cached with the
chunk), and the index build adds the terms of the metadata lines: no token spans the blank line
between them, so the concatenation equals the retriever's own tokenization of the whole content.
Terms are kept as one space-separated string per text (no term contains whitespace).

The same four steps are done here without importing ``bm25s``: that package imports SciPy, half a
second and tens of MiB in every worker that only splits (ADR-055). A test holds the terms equal to
``bm25s.tokenize`` on real and generated text, and the stopwords equal to its English list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

STEMMER_LANGUAGE = "english"
WORD_PATTERN = r"(?u)\b\w\w+\b"
# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
    "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to",
    "was", "will", "with",
))
# fmt: on
"""The English stop set of Lucene's analyzers, which ``bm25s`` uses for ``stopwords="en"``."""

_words = re.compile(WORD_PATTERN).findall


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer(STEMMER_LANGUAGE)


def bm25_terms(texts: Sequence[str]) -> list[str]:
    """The stemmed, stopword-free terms of each text, space-separated, in order."""
    words = [[w for w in _words(text.lower()) if w not in STOPWORDS] for text in texts]
    unique = list(set().union(*words))
    stem = dict(zip(unique, _stemmer().stemWords(unique), strict=True)).__getitem__
    return [" ".join(map(stem, text_words)) for text_words in words]


def query_terms(query: str) -> list[str]:
    """A query's terms as ``BM25Retriever`` makes them: the same steps as ``bm25_terms``, repeats kept.

    The retriever tokenizes queries with ``bm25s.tokenize``'s defaults, English stopwords included: a
    stopword of the query never counts, even where another word of the corpus stems to it ("ANDs" to
    "and"). Repeats are kept, in order.
    """
    words = [w for w in _words(query.lower()) if w not in STOPWORDS]
    return list(_stemmer().stemWords(words)) if words else []
