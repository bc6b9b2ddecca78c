"""DocMind's BM25 terms equal ``bm25s.tokenize``'s, which LlamaIndex's ``BM25Retriever`` uses."""

from __future__ import annotations

import random

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from docmind.segments.bm25_terms import STEMMER_LANGUAGE, STOPWORDS, WORD_PATTERN, bm25_terms

from tests.support.corpus import SYSTEM_PDFS, sentences

ODD_TEXTS = (
    "",
    "The and of",
    "Running runners ran; RUNNING, Runs!",
    "snake_case_names, CamelCase, x1 42 3.14 a b c",
    "Émile Zola’s naïve façade — coöperate; Straße ß",
    "日本語のテキスト 中文 한국어 Ελληνικά русский текст",
    "tabs\tand\nnew\r\nlines  and   spaces",
    "it’s isn't O'Reilly e-mail https://example.org/path?q=1",
)


def _bm25s_terms(texts: list[str]) -> list[str]:
    tokens = bm25s.tokenize(
        texts,
        stopwords="en",
        stemmer=Stemmer.Stemmer(STEMMER_LANGUAGE),
        token_pattern=WORD_PATTERN,
        return_ids=False,
        show_progress=False,
    )
    return [" ".join(words) for words in tokens]  # type: ignore[union-attr]


def _texts() -> list[str]:
    rng = random.Random(11)
    texts = [*ODD_TEXTS, *(sentences(rng, rng.randint(1, 30)) for _ in range(200))]
    if SYSTEM_PDFS[0].exists():  # real prose with punctuation, numbers and odd words
        from docmind.ingest.parse.parsers import parse_file

        texts += [text for _, text in parse_file(SYSTEM_PDFS[0], lambda: False)]
    return texts


def test_terms_equal_bm25s_tokenize() -> None:
    texts = _texts()
    assert bm25_terms(texts) == _bm25s_terms(texts)
    assert [bm25_terms([text])[0] for text in ODD_TEXTS] == _bm25s_terms(list(ODD_TEXTS))


def test_the_stopwords_are_bm25s_english_list() -> None:
    assert frozenset(STOPWORDS_EN) == STOPWORDS


def test_terms_are_per_text_and_whitespace_free() -> None:
    terms = bm25_terms(["Running runners ran", "", "The and of"])
    assert terms[0].split() == ["run", "runner", "ran"]
    assert terms[1:] == ["", ""]
    assert bm25_terms([]) == []
