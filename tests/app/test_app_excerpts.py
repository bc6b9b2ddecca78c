"""Excerpts: the best-matching passage of a chunk, and the spans to highlight."""

from __future__ import annotations

from docmind.excerpts import best_passage, highlight_spans, query_terms

FILLER = "lorem ipsum dolor sit amet " * 40


def test_terms_are_distinct_words_of_two_or_more_characters() -> None:
    assert query_terms("The  index, the INDEX and a b C++ x2") == ["the", "index", "and", "x2"]
    assert query_terms("  ") == [] and query_terms("a ? !") == []


def test_spans_match_word_prefixes_case_insensitively() -> None:
    text = "Indexing builds an index; reindex is another word."
    assert [text[a:b] for a, b in highlight_spans(text, "index")] == ["Indexing", "index"]
    assert highlight_spans(text, "") == []
    assert highlight_spans("a (b) [c]", "(b) [c") == []  # punctuation is not a term, never a regex


def test_the_passage_is_centred_on_the_densest_matches() -> None:
    text = FILLER + "the pelican brief names the pelican and the brief " + FILLER
    passage = best_passage(text, "pelican brief", width=120)
    assert "pelican brief names the pelican and the brief" in passage
    assert passage.startswith("…") and passage.endswith("…")
    assert len(passage) <= 122


def test_the_window_with_more_distinct_terms_wins_over_repeats() -> None:
    text = "otter " * 5 + FILLER + "otter harbour " + FILLER
    passage = best_passage(text, "otter harbour", width=100)
    assert "otter harbour" in passage


def test_short_text_and_no_match_give_the_start() -> None:
    assert best_passage("  Short\n\n text  ", "anything") == "Short text"
    assert best_passage(FILLER, "absent", width=50).startswith("lorem ipsum")
    assert best_passage(FILLER, "absent", width=50).endswith("…")


def test_cuts_fall_on_word_boundaries() -> None:
    passage = best_passage(FILLER + " needle " + FILLER, "needle", width=60)
    words = passage.strip("…").split()
    assert all(w in {"lorem", "ipsum", "dolor", "sit", "amet", "needle"} for w in words)
