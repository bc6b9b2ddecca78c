"""BM25 terms of a text, computed exactly as LlamaIndex's ``BM25Retriever`` computes them.

``BM25Retriever.from_defaults`` tokenizes ``node.get_content(MetadataMode.EMBED)`` (the metadata
lines, a blank line, the text) with ``bm25s.tokenize``: lower-case, its two-letter word pattern,
English stopwords, the PyStemmer English stemmer; its queries go through the same tokenizer.
Workers compute the terms of each chunk's *text* while they split it (in parallel, cached with the
chunk), and the index build adds the terms of the metadata lines: no token spans the blank line
between them, so the concatenation equals the retriever's own tokenization of the whole content.
Terms are kept as one space-separated string per text (no term contains whitespace).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

STOPWORDS = "en"
STEMMER_LANGUAGE = "english"
WORD_PATTERN = r"(?u)\b\w\w+\b"


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer(STEMMER_LANGUAGE)


def bm25_terms(texts: Sequence[str]) -> list[str]:
    """The stemmed, stopword-free terms of each text, space-separated, in order."""
    if not texts:
        return []
    import bm25s

    tokens: list[list[str]] = bm25s.tokenize(  # type: ignore[assignment]  # return_ids=False: strings
        list(texts),
        stopwords=STOPWORDS,
        stemmer=_stemmer(),
        token_pattern=WORD_PATTERN,
        return_ids=False,
        show_progress=False,
    )
    return [" ".join(terms) for terms in tokens]
