"""Excerpts: the best-matching passage of a chunk, and the words to highlight (no stop words, by stem)."""

from __future__ import annotations

from docmind.search.excerpts import best_passage, highlight_spans
from docmind.search.terms import STOP_WORDS, query_words

FILLER = "lorem ipsum dolor sit amet " * 40


def marked(text: str, query: str) -> list[str]:
    return [text[a:b] for a, b in highlight_spans(text, query)]


def test_query_words_are_distinct_words_without_stop_words() -> None:
    assert query_words("What is the INDEX for, and the index of x2?") == ["index", "x2"]
    assert query_words("  ") == [] and query_words("a ? !") == []


def test_a_query_of_stop_words_only_keeps_them() -> None:
    assert query_words("To be or not to be") == ["to", "be", "or", "not"]
    assert marked("To be, or not to be: that is the question.", "to be or not to be") == [
        "To",
        "be",
        "or",
        "not",
        "to",
        "be",
    ]


def test_stop_words_of_the_question_are_not_marked() -> None:
    text = "What is the exit status? For a command that is not found, the status is 127."
    assert marked(text, "What is the exit status for a missing command?") == [
        "exit",
        "status",
        "command",
        "status",
    ]
    assert {"what", "is", "for", "the", "how", "which", "could"} <= STOP_WORDS


def test_words_are_marked_by_their_stem_case_insensitively() -> None:
    text = "Indexing builds an index; the indexes are INDEXED again, a reindex is another word."
    assert marked(text, "indexing") == ["Indexing", "index", "indexes", "INDEXED"]
    assert marked("Running runs; the runner ran.", "run") == ["Running", "runs"]
    assert marked("functools.lru_cache(maxsize=128)", "lru_cache maxsize") == ["lru_cache", "maxsize"]
    assert highlight_spans(text, "") == []
    assert highlight_spans("a (b) [c]", "(b) [c") == []  # punctuation is not a term, never a regex


def test_the_passage_is_centred_on_the_densest_matches() -> None:
    text = FILLER + "the pelican brief names the pelican and the brief " + FILLER
    passage = best_passage(text, "pelican brief", width=120)
    assert "pelican brief names the pelican and the brief" in passage
    assert passage.startswith("…") and passage.endswith("…")
    assert len(passage) <= 122


def test_the_window_with_more_distinct_terms_wins_over_repeats() -> None:
    text = "otter " * 5 + FILLER + "otters harbour " + FILLER
    passage = best_passage(text, "otter harbours", width=100)
    assert "otters harbour" in passage


def test_stop_words_do_not_pull_the_passage_away_from_the_terms() -> None:
    text = "what is the " * 30 + FILLER + "the heron nests " + FILLER
    assert "heron nests" in best_passage(text, "what is the heron nest", width=100)


def test_short_text_and_no_match_give_the_start() -> None:
    assert best_passage("  Short\n\n text  ", "anything") == "Short text"
    assert best_passage(FILLER, "absent", width=50).startswith("lorem ipsum")
    assert best_passage(FILLER, "absent", width=50).endswith("…")


def test_a_word_longer_than_the_window_is_cut_not_an_error() -> None:
    long_word = "x" * 200
    passage = best_passage(FILLER + long_word + " " + FILLER, long_word, width=50)
    assert passage.startswith("…") and len(passage) <= 52


def test_cuts_fall_on_word_boundaries() -> None:
    passage = best_passage(FILLER + " needle " + FILLER, "needle", width=60)
    words = passage.strip("…").split()
    assert all(w in {"lorem", "ipsum", "dolor", "sit", "amet", "needle"} for w in words)
