"""The Search page as a person reads it (AppTest, real jobs): the modes offered, relevance, marks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docmind.runtime import process_service
from streamlit.testing.v1 import AppTest

from tests.support.prose import write_prose
from tests.ui.conftest import page

RELEVANCE = re.compile(r"relevance (\d+)/100")


def _ingest() -> None:
    service = process_service()
    record = service.jobs.wait(service.start_ingestion(owner="test"), timeout=300)
    assert record.state.value == "Succeeded", record.error


def _hit_lines(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "found by" in m.value]


def _marked(at: AppTest) -> list[str]:
    return [word for h in at.get("html") for word in re.findall(r"<mark>(.*?)</mark>", h.proto.body)]


def test_a_keyword_only_snapshot_offers_bm25_alone_and_says_why(data_dir: Path) -> None:
    at = AppTest.from_file(page("search"), default_timeout=30).run()
    # Nothing published yet: the page cannot know what a snapshot will hold, and offers every mode.
    assert [r.key for r in at.radio] == ["search_mode"] and at.radio[0].value == "hybrid"

    write_prose(data_dir / "documents")
    _ingest()  # the tests run keyword-only (DOCMIND_EMBED=off)
    at.run()
    [selector] = at.radio
    assert selector.key == "search_mode_keyword_only"
    assert selector.options == ["Keywords (BM25)"] and selector.value == "bm25" and selector.disabled
    [why] = [c.value for c in at.caption if c.value.startswith("Only keyword search")]
    assert "ingested with embeddings off (DOCMIND_EMBED=off)" in why

    at.text_input(key="search_query").input("How do bees store honey in the hive?").run()
    assert not at.exception
    lines = _hit_lines(at)
    assert lines and lines[0].startswith("**beekeeping.md**") and lines[0].endswith("found by bm25")
    assert not [c.value for c in at.caption if "keyword-only" in c.value]  # said once, by the selector


def test_hits_show_a_relevance_out_of_100_with_the_raw_score_in_the_tooltip(data_dir: Path) -> None:
    write_prose(data_dir / "documents")
    _ingest()
    at = AppTest.from_file(page("search"), default_timeout=30).run()
    at.slider(key="search_top_k").set_value(20).run()
    at.text_input(key="search_query").input("crust oven lava").run()
    hits = [m for m in at.markdown if "found by" in m.value]
    relevances = [int(RELEVANCE.search(m.value).group(1)) for m in hits]  # type: ignore[union-attr]
    # Two candidates stand one deviation above and below their mean: 0.5 ± 1/6 of the scale.
    assert relevances == [67, 33]
    assert "score" not in hits[0].value  # the raw score is not what a person reads first
    assert re.search(r"Raw scores: BM25 \d+(\.\d+)?\.$", hits[0].proto.help)


def test_stop_words_of_the_question_are_not_marked_but_other_forms_of_its_words_are(data_dir: Path) -> None:
    write_prose(data_dir / "documents")
    _ingest()
    at = AppTest.from_file(page("search"), default_timeout=30).run()
    at.text_input(key="search_query").input("What is the colony for and how is it stacking boxes?").run()
    marked = {word.lower() for word in _marked(at)}
    assert {"colony", "stacked", "boxes"} <= marked
    assert not marked & {"what", "is", "the", "for", "and", "how", "it"}


@pytest.mark.slow
def test_a_snapshot_with_vectors_offers_every_mode_and_hybrid_first(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCMIND_EMBED", "on")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    write_prose(data_dir / "documents")
    _ingest()
    at = AppTest.from_file(page("search"), default_timeout=120).run()
    [selector] = at.radio
    assert selector.key == "search_mode" and not selector.disabled
    assert selector.options == ["Hybrid (keywords + meaning)", "Keywords (BM25)", "Meaning (dense)"]
    assert selector.value == "hybrid"
    assert not [c.value for c in at.caption if c.value.startswith("Only keyword search")]
    at.text_input(key="search_query").input("where do honey bees live").run()
    assert not at.exception
    first = _hit_lines(at)[0]
    assert first.startswith("**beekeeping.md**") and "found by bm25 + dense" in first
    assert "Raw scores: BM25" in at.markdown[[m.value for m in at.markdown].index(first)].proto.help
