"""The words of a query worth marking in a passage: no stop words, matched by their stems.

A passage's word matches a query word when both have the same stem under the Snowball English
stemmer, the one BM25 ranks with (``docmind.ingest.bm25_terms``): "indexing" marks "index",
"indexes" and "indexed", the words a keyword hit was found by. Stop words ("what", "is", "for")
are left out: they occur in almost every passage and say nothing about why it was found. A query
made of stop words only ("to be or not to be") keeps them, since they are then what was asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

STEMMER_LANGUAGE = "english"
_WORD = re.compile(r"\w{2,}", re.UNICODE)
# fmt: off
STOP_WORDS = frozenset((
    "about", "above", "after", "again", "against", "ain", "all", "am", "an", "and", "any", "are", "aren",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "could", "couldn", "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during", "each",
    "few", "for", "from", "further", "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "if", "in", "into", "is", "isn", "it", "its",
    "itself", "just", "ll", "ma", "may", "me", "might", "mightn", "more", "most", "must", "mustn", "my",
    "myself", "needn", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "own", "re", "same", "shall", "shan", "she", "should", "shouldn",
    "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "ve", "very", "was",
    "wasn", "we", "were", "weren", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "won", "would", "wouldn", "you", "your", "yours", "yourself", "yourselves",
))
# fmt: on
"""NLTK's English stop words of two or more letters (contractions left out: they are not words of
``\\w`` characters), with the modal verbs it lacks ("could", "would", "may", "might", "must", "shall")."""


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer(STEMMER_LANGUAGE)


def query_words(query: str) -> list[str]:
    """The distinct lower-cased words of ``query`` worth marking, in order (two or more characters).

    Stop words are dropped unless nothing else is left.
    """
    words = list(dict.fromkeys(match.group() for match in _WORD.finditer(query.lower())))
    kept = [word for word in words if word not in STOP_WORDS]
    return kept or words


@dataclass(frozen=True)
class Match:
    """One word of a text that matches a query word: where it is and which query word it matches."""

    start: int
    end: int
    term: int


class QueryTerms:
    """The stems of a query's words worth marking, and where they occur in a text."""

    def __init__(self, query: str) -> None:
        """Take the words of ``query`` (``query_words``) and their stems."""
        words = query_words(query)
        stems = _stemmer().stemWords(words) if words else []
        self._term_of: dict[str, int] = {}
        for stem in stems:
            self._term_of.setdefault(stem, len(self._term_of))

    def __len__(self) -> int:
        """How many distinct stems the query has (0: nothing to mark)."""
        return len(self._term_of)

    def matches(self, text: str) -> list[Match]:
        """Every word of ``text`` whose stem is one of the query's, in order, with its term's number."""
        if not self._term_of:
            return []
        found = list(_WORD.finditer(text))
        lowered = [match.group().lower() for match in found]
        unique = list(dict.fromkeys(lowered))
        stem_of = dict(zip(unique, _stemmer().stemWords(unique), strict=True))
        terms = [self._term_of.get(stem_of[word]) for word in lowered]
        return [
            Match(match.start(), match.end(), term)
            for match, term in zip(found, terms, strict=True)
            if term is not None
        ]
