"""Search, Snapshots and Job history pages in AppTest over real snapshots."""

from __future__ import annotations

from pathlib import Path

from docmind.runtime import process_service
from streamlit.testing.v1 import AppTest

from tests.support.corpus import make_pdf, make_text
from tests.ui.conftest import page


def _ingest() -> str:
    service = process_service()
    job_id = service.start_ingestion(owner="test")
    record = service.jobs.wait(job_id, timeout=120)
    assert record.state.value == "Succeeded", record.error
    assert record.result is not None
    return record.result


def test_search_empty_state_then_hits(data_dir: Path) -> None:
    at = AppTest.from_file(page("search"), default_timeout=30).run()
    at.text_input(key="search_query").input("anything").run()
    assert any("Nothing to search yet" in i.value for i in at.info)
    make_pdf(data_dir / "documents" / "atlas.pdf", pages=3, phrase="pelican brief phrase")
    make_text(data_dir / "documents" / "other.md")
    _ingest()
    at.text_input(key="search_query").input("pelican brief").run()
    hits = [m.value for m in at.markdown]
    assert any("atlas.pdf" in h and "page 3" in h for h in hits)
    excerpts = [h.proto.body for h in at.get("html")]
    assert any("<mark>pelican</mark> <mark>brief</mark>" in body for body in excerpts)
    assert any(b.proto.label == "Download the document" for b in at.get("download_button"))
    assert not at.exception


def test_snapshots_activate_and_delete_rules(data_dir: Path) -> None:
    make_text(data_dir / "documents" / "one.md")
    first = _ingest()
    make_text(data_dir / "documents" / "two.md", seed=2)
    second = _ingest()
    at = AppTest.from_file(page("snapshots"), default_timeout=30).run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["snapshot"]) == [second, first] and list(frame["active"]) == [True, False]
    assert set(frame["checksums"]) == {"not checked"}  # no re-hash on every rerun
    at.button(key="snapshots_verify").click().run()
    assert set(at.dataframe[0].value["checksums"]) == {"ok"}
    at.selectbox(key="snapshots_choice").select(second).run()
    at.button(key="snapshots_delete").click().run()
    # The active snapshot is refused at the Delete click: no confirmation is asked.
    assert any("Refused" in e.value and "active snapshot" in e.value for e in at.error)
    assert not [w for w in at.warning if "for good" in w.value]
    assert {i.id for i in process_service().store.list()} == {first, second}
    at.selectbox(key="snapshots_choice").select(first).run()
    at.button(key="snapshots_activate").click().run()
    assert any(f"{first} is now active" in s.value for s in at.success)
    current = process_service().store.current()
    assert current is not None and current.id == first
    at.selectbox(key="snapshots_choice").select(second).run()
    at.button(key="snapshots_delete").click().run()
    at.button(key="snapshots_confirm_delete").click().run()
    assert [i.id for i in process_service().store.list()] == [first]


def test_a_link_from_job_history_preselects_its_snapshot(data_dir: Path) -> None:
    make_text(data_dir / "documents" / "one.md")
    first = _ingest()
    make_text(data_dir / "documents" / "two.md", seed=2)
    _ingest()
    at = AppTest.from_file(page("snapshots"), default_timeout=30)
    at.query_params["snapshot"] = first
    at.run()
    assert at.selectbox(key="snapshots_choice").value == first


def test_job_history_lists_jobs(data_dir: Path) -> None:
    make_text(data_dir / "documents" / "one.md")
    _ingest()
    at = AppTest.from_file(page("jobs"), default_timeout=30).run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["state"]) == ["Succeeded"]
    snapshot = process_service().store.current()
    assert snapshot is not None
    assert list(frame["snapshot"]) == [f"snapshots?snapshot={snapshot.id}"]
    assert str(frame["started"][0]).endswith(" UTC")
    assert list(frame["outcome"]) == ["published"]
    assert _ingest() == snapshot.id  # nothing changed: the same snapshot stays
    frame = at.run().dataframe[0].value
    assert list(frame["outcome"]) == ["nothing changed", "published"]
    assert list(frame["snapshot"]) == [f"snapshots?snapshot={snapshot.id}"] * 2
