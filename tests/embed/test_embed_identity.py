"""What identifies an embedder: another model behind the same URL, or in the same folder, is a new index.

The endpoint is the real loopback server of ``tests.support.embedding_server`` (the packaged model),
told to serve another model, vectors of another size, or noisy vectors, at the same address.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from docmind.embed.identity import identified
from docmind.embed.spec import EmbedSpec, embed_spec, packaged_model_dir
from docmind.search import SearchModeError, search
from docmind.settings import Settings
from docmind_snapshots import SnapshotStore

from tests.embed.test_embed_pipeline import ingest
from tests.support.embedding_server import Behaviour, embedding_server
from tests.support.prose import QUESTIONS, write_prose

QUESTION, TARGET = next(iter(QUESTIONS.items()))


def test_another_model_behind_the_same_url_embeds_everything_again(tmp_path: Path) -> None:
    docs, data = write_prose(tmp_path / "docs"), tmp_path / "data"
    behaviour = Behaviour()
    with embedding_server(behaviour) as url:
        first = ingest(data, docs, embed_url=url, embed_model="all-minilm")
        behaviour.other_model = True  # the server restarted with another model at the same address
        second = ingest(data, docs, embed_url=url, embed_model="all-minilm")
        hits = search(SnapshotStore(data / "index"), QUESTION, k=1, mode="dense").hits
    assert second.changed and second.snapshot_id != first.snapshot_id
    assert second.windows_embedded == second.windows_total == first.windows_total > 0
    assert hits[0].file == TARGET


def test_vectors_of_another_size_behind_the_same_url_embed_everything_again(tmp_path: Path) -> None:
    docs, data = write_prose(tmp_path / "docs"), tmp_path / "data"
    behaviour = Behaviour()
    with embedding_server(behaviour) as url:
        first = ingest(data, docs, embed_url=url, embed_model="all-minilm")
        behaviour.resize_after = behaviour.requests  # from now on: 768 dimensions
        second = ingest(data, docs, embed_url=url, embed_model="all-minilm")
    assert second.changed and second.windows_embedded == second.windows_total == first.windows_total


def test_float_noise_from_the_same_model_keeps_its_identity(tmp_path: Path) -> None:
    docs, data = write_prose(tmp_path / "docs"), tmp_path / "data"
    behaviour = Behaviour()
    with embedding_server(behaviour) as url:
        first = ingest(data, docs, embed_url=url, embed_model="all-minilm")
        behaviour.jitter = 1e-4  # enough to change the canary's rounded values, not its direction
        again = ingest(data, docs, embed_url=url, embed_model="all-minilm")
    assert (again.changed, again.snapshot_id, again.windows_embedded) == (False, first.snapshot_id, 0)


def test_a_search_refuses_the_vectors_when_the_endpoint_now_serves_another_model(tmp_path: Path) -> None:
    docs, data = write_prose(tmp_path / "docs"), tmp_path / "data"
    behaviour = Behaviour()
    with embedding_server(behaviour) as url:
        ingest(data, docs, embed_url=url, embed_model="all-minilm")
        store = SnapshotStore(data / "index")
        assert search(store, QUESTION, k=1).fallback == ""
        behaviour.other_model = True
        hybrid = search(store, QUESTION, k=3)
        with pytest.raises(SearchModeError, match=r"dense search cannot run: .* another model") as refused:
            search(store, QUESTION, k=3, mode="dense")
    assert hybrid.mode == "bm25" and all(h.retrievers == ["bm25"] for h in hybrid.hits)
    assert "now answers with another model" in hybrid.fallback and "\n" not in hybrid.fallback
    assert "\n" not in str(refused.value)


def test_a_local_model_is_identified_by_the_content_of_its_files_hashed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = Path(shutil.copytree(packaged_model_dir(), tmp_path / "model"))
    spec = embed_spec(Settings(data_dir=tmp_path / "data", embed=True, embed_model=str(model)))
    assert spec is not None
    cache = tmp_path / "data" / "cache"
    first = identified(spec, cache)
    opened: list[Path] = []
    real_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object) -> object:
        if self.is_relative_to(model):
            opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)
    assert identified(spec, cache).identity == first.identity
    assert opened == [], "files unchanged since they were hashed were read again"
    weights = model / "model.safetensors"
    with weights.open("r+b") as handle:  # one byte of the last tensor: same size, other content
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0x01]))
    opened.clear()
    changed = identified(spec, cache)
    assert opened == [weights]
    assert changed.identity != first.identity and changed.fingerprint != first.fingerprint


class _Stop(Exception):
    """What the job's checkpoint raises on a cancel."""


def test_hashing_a_new_model_stops_at_a_checkpoint_and_remembers_nothing_partial(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(bytes(range(256)) * 4096 * 8)  # 8 MiB: 8 blocks
    spec = EmbedSpec("local", str(model), "", "big", "", 256, 32, model)
    blocks: list[int] = []

    def stop_at_the_third_block() -> None:
        blocks.append(len(blocks))
        if len(blocks) == 3:
            raise _Stop

    with pytest.raises(_Stop):
        identified(spec, tmp_path / "cache", stop_at_the_third_block)
    assert len(blocks) == 3
    whole = identified(spec, tmp_path / "cache")
    copy = shutil.copytree(model, tmp_path / "copy")
    again = identified(replace(spec, model=str(copy)), tmp_path / "cache")
    assert whole.identity == again.identity  # the stopped hash was not remembered for the first path
