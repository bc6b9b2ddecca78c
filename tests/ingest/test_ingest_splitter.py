"""The sentence-aware token splitter: budget, sentence ends, overlap, fallbacks, and what names it."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from docmind.ingest.index.listing import known_chunk_counts
from docmind.ingest.parse import chunk_cache as cache_module
from docmind.ingest.parse.chunk_cache import fingerprint
from docmind.ingest.parse.file_task import split_pages
from docmind.ingest.parse.splitter import NAME, SentenceTokenSplitter
from docmind.segments.corpus_listing import CorpusListing, FileRecord
from docmind.segments.file_status import FileStatus
from llama_index.core.utils import get_tokenizer

from tests.support.prose import DOCUMENTS

SENTENCES = DOCUMENTS["sourdough.txt"].strip()
"""Five sentences, each ending with a full stop."""


def _tokens(text: str) -> int:
    """LlamaIndex's own count (the ``SentenceSplitter`` default: tiktoken ``cl100k_base``)."""
    return len(get_tokenizer()(text))


@pytest.mark.parametrize(("size", "overlap"), [(1024, 200), (128, 20), (40, 0)])
def test_every_chunk_is_within_the_token_budget(size: int, overlap: int) -> None:
    text = "\n\n".join(DOCUMENTS.values()) * 30
    chunks = SentenceTokenSplitter(size, overlap).split_text(text)
    assert len(chunks) > 1
    assert max(_tokens(chunk) for chunk in chunks) <= size


def test_chunks_start_and_end_on_sentence_boundaries() -> None:
    text = " ".join([SENTENCES] * 40)
    chunks = SentenceTokenSplitter(128, 20).split_text(text)
    assert len(chunks) > 10
    assert all(chunk.endswith(".") for chunk in chunks)
    assert all(chunk[0].isupper() for chunk in chunks)
    assert all(f" {chunk} " in f" {text} " for chunk in chunks)  # whole sentences, text unchanged


def test_an_abbreviation_before_a_lower_case_word_is_not_a_sentence_end() -> None:
    text = ("Soft fruit, e.g. berries and plums, ripen first. " * 60).strip()
    chunks = SentenceTokenSplitter(64, 0).split_text(text)
    assert all(chunk.endswith("first.") for chunk in chunks)


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    text = " ".join(f"Sentence number {n} of the test tells one short fact." for n in range(200))
    with_overlap = SentenceTokenSplitter(100, 30).split_text(text)
    for before, after in itertools.pairwise(with_overlap):
        first_sentence = after.split(". ")[0] + "."
        assert before.endswith(first_sentence) or f"{first_sentence} " in before
    without = SentenceTokenSplitter(100, 0).split_text(text)
    assert sum(map(len, without)) + len(without) - 1 == len(text)  # no text repeated, none lost
    assert len(with_overlap) > len(without)


def test_a_text_without_sentence_breaks_still_splits_within_budget() -> None:
    words = " ".join(f"word{n}" for n in range(3000))
    run = "x" * 20000
    for text in (words, run, f"{words}\n{run}"):
        chunks = SentenceTokenSplitter(100, 10).split_text(text)
        assert max(_tokens(chunk) for chunk in chunks) <= 100
        assert {word for chunk in chunks for word in chunk.split()} >= set(text.split()) - {run}
    assert " ".join(SentenceTokenSplitter(100, 0).split_text(words)) == words  # cut between words
    assert "".join(SentenceTokenSplitter(100, 0).split_text(run)) == run  # cut between characters


def test_a_long_run_without_breaks_costs_counts_in_proportion_to_its_chunks() -> None:
    splitter = SentenceTokenSplitter(256, 32)
    counted: list[int] = []
    count = splitter._count
    splitter._count = lambda text: counted.append(len(text)) or count(text)
    run = "".join(f"{n:x}" for n in range(60_000))  # ~260k characters, no whitespace or punctuation
    chunks = splitter.split_text(run)
    assert "".join(chunks) == run
    # A whole-run binary search would count prefixes as long as the run for every chunk: quadratic.
    assert sum(counted) <= 64 * len(run) and len(counted) <= 40 * len(chunks)


def test_blank_pages_give_no_chunks_and_chunks_never_span_pages() -> None:
    assert split_pages([("1", ""), ("2", "  \n\t \n")], 1024, 200) == ()
    chunks = split_pages([("1", "First page text."), ("2", "   "), ("3", "Third page text.")], 1024, 200)
    pages = [(chunk.page, chunk.text) for chunk in chunks]
    assert pages == [("1", "First page text."), ("3", "Third page text.")]
    assert chunks[0].terms == "first page text"


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="chunk_overlap"):
        SentenceTokenSplitter(100, 100)


def test_the_cache_fingerprint_and_known_counts_name_the_splitter(monkeypatch: pytest.MonkeyPatch) -> None:
    current = fingerprint(1024, 200)
    monkeypatch.setattr(cache_module, "SPLITTER", "another-splitter/1")
    assert fingerprint(1024, 200) != current
    record = FileRecord(path="a.md", source="s", sha256="abc", pages=0, chunks=3, status=FileStatus.INDEXED)
    ours = CorpusListing(splitter=NAME, chunk_size=1024, chunk_overlap=200, settings={}, files=(record,))
    older = CorpusListing(chunk_size=1024, chunk_overlap=200, settings={}, files=(record,))
    assert known_chunk_counts(ours, 1024, 200) == {"abc": (0, 3)}
    assert known_chunk_counts(older, 1024, 200) == {}  # written by LlamaIndex's SentenceSplitter


def test_the_worker_preload_splits_without_llama_index_nltk_or_scipy() -> None:
    probe = (
        "import importlib, sys\n"
        "from docmind.executors.local.worker_server import preload_modules\n"
        "for name in preload_modules(with_index_libraries=False):\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('llama_index.core', 'nltk', 'bm25s', 'scipy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
