"""The local model's runtimes: OpenVINO converted once and verified, torch beside it, one cache for both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from docmind.embed.encoders import (
    EmbedRequestError,
    TorchEncoder,
    encoder_for,
    query_encoder_for,
    release_encoder,
)
from docmind.embed.identity import identified
from docmind.embed.numpy_encoder import NumpyEncoder, supports
from docmind.embed.openvino_encoder import OpenVinoEncoder, inference_threads
from docmind.embed.openvino_model import MIN_MEAN_COSINE, VERIFIED_FILE, cache_folder, converted_model
from docmind.embed.spec import EmbedSpec, embed_spec, packaged_model_dir
from docmind.embed.windows import chunk_windows, load_tokenizer
from docmind.settings import Settings

from tests.support import run_engine
from tests.support.cli import docmind_env
from tests.support.prose import EXTRA_DOCUMENT, QUESTIONS, write_prose

HEAVY = ("torch", "transformers", "sentence_transformers", "llama_index.core", "openvino")


def packaged_spec(cache: Path, records: Path, **settings: object) -> EmbedSpec:
    spec = embed_spec(Settings(model_cache=cache, embed=True, **settings))  # type: ignore[arg-type]
    assert spec is not None
    return identified(spec, records)


def real_windows(tmp_path: Path, spec: EmbedSpec) -> list[str]:
    """The windows DocMind cuts from real prose (long ones and short ones)."""
    tokenizer = load_tokenizer(spec.tokenizer_dir)
    docs = write_prose(tmp_path / "docs")
    texts = [path.read_text(encoding="utf-8") for path in sorted(docs.iterdir())]
    windows = [w for text in texts for w in chunk_windows(text * 6, tokenizer, spec.window).texts]
    return windows + list(QUESTIONS)


@pytest.fixture(autouse=True)
def _fresh_encoder():
    release_encoder()
    yield
    release_encoder()


def test_the_model_converts_once_and_answers_the_vectors_of_torch(tmp_path: Path) -> None:
    spec = packaged_spec(tmp_path / "models", tmp_path / "records")
    folder = converted_model(spec)
    assert folder == cache_folder(spec)
    figures = json.loads((folder / VERIFIED_FILE).read_text())
    assert figures["mean_cosine"] >= MIN_MEAN_COSINE and figures["precision"] in {"f32", "bf16"}
    made = (folder / "model.bin").stat()
    # A second use finds the conversion and makes nothing.
    assert converted_model(spec) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == made.st_mtime_ns
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []  # no half-made one

    windows = real_windows(tmp_path, spec)
    openvino = OpenVinoEncoder(spec, folder).encode(windows)
    torch = TorchEncoder(spec).encode(windows)
    cosines = np.sum(openvino * torch, axis=1)
    assert openvino.shape == torch.shape == (len(windows), 384)
    assert float(cosines.mean()) >= MIN_MEAN_COSINE and float(cosines.min()) >= 0.999
    # Sub-batches (the spec's batch) pipelined with tokenisation give the vectors of one batch.
    one_batch = OpenVinoEncoder(replace(spec, batch=len(windows)), folder).encode(windows)
    np.testing.assert_allclose(openvino, one_batch, atol=1e-5)


def test_a_spec_made_without_its_identity_uses_the_conversion_of_its_content(tmp_path: Path) -> None:
    spec = packaged_spec(Settings().model_cache, tmp_path / "records")
    assert spec.identity
    assert converted_model(replace(spec, identity="")) == cache_folder(spec)
    assert not any(p.name.startswith("openvino--") for p in Path(spec.model_cache).iterdir())


def test_auto_runs_openvino_and_torch_runs_torch(tmp_path: Path) -> None:
    spec = packaged_spec(tmp_path / "models", tmp_path / "records")
    assert encoder_for(spec).runtime in {"openvino f32", "openvino bf16"}
    assert encoder_for(replace(spec, runtime="torch")).runtime == "torch f32 cpu"


def test_openvino_threads_follow_the_cpus_a_ray_actor_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cores = len(os.sched_getaffinity(0))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert inference_threads() == cores
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # Ray's setting for an actor of one CPU
    assert inference_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", str(cores + 8))
    assert inference_threads() == cores
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    assert inference_threads() == cores

    # Each in its own process, as a worker or an actor is (OpenVINO cannot take a signal after two
    # compiled models of different thread counts lived in one process).
    spec = packaged_spec(Settings().model_cache, tmp_path / "records")
    folder = converted_model(spec)
    assert _compiled_threads(spec, folder, omp_threads="") == (cores, True)
    # One thread of a shared machine, not pinned: pinned, every such process would use the first core.
    assert _compiled_threads(spec, folder, omp_threads="1") == (1, cores == 1)


def _compiled_threads(spec: EmbedSpec, folder: Path, omp_threads: str) -> tuple[int, bool]:
    """The threads and pinning of the model compiled by a new process with ``OMP_NUM_THREADS``."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from docmind.embed.openvino_encoder import OpenVinoEncoder\n"
        "from docmind.embed.spec import embed_spec\n"
        "from docmind.settings import Settings\n"
        "spec = embed_spec(Settings(model_cache=Path(sys.argv[1]), embed=True))\n"
        "encoder = OpenVinoEncoder(spec, Path(sys.argv[2]))\n"
        "print(json.dumps([encoder.threads, encoder.pinned]))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "OMP_NUM_THREADS"}
    if omp_threads:
        env["OMP_NUM_THREADS"] = omp_threads
    argv = [sys.executable, "-c", code, str(spec.model_cache), str(folder)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=True)
    threads, pinned = json.loads(done.stdout.strip().splitlines()[-1])
    return int(threads), bool(pinned)


def test_queries_run_in_numpy_with_the_vectors_of_torch(tmp_path: Path) -> None:
    spec = packaged_spec(tmp_path / "models", tmp_path / "records")
    assert supports(Path(spec.model))
    assert isinstance(query_encoder_for(spec), NumpyEncoder)
    assert query_encoder_for(replace(spec, runtime="openvino")).runtime.startswith("openvino ")
    texts = [*QUESTIONS, "ERR_CONNECTION_REFUSED at retrieve()", "a", *real_windows(tmp_path, spec)[:3]]
    numpy = NumpyEncoder(spec).encode(texts)
    torch = TorchEncoder(spec).encode(texts)
    cosines = np.sum(numpy * torch, axis=1)
    assert numpy.dtype == np.float32 and numpy.shape == torch.shape
    assert float(cosines.min()) >= 0.99999


def test_a_model_of_another_shape_runs_on_torch_and_says_why(tmp_path: Path) -> None:
    model = tmp_path / "cls-model"
    shutil.copytree(packaged_model_dir(), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    spec = packaged_spec(tmp_path / "models", tmp_path / "records", embed_model=str(model))

    assert not supports(model)
    encoder = query_encoder_for(spec)  # no NumPy forward pass for it either
    assert encoder.runtime.startswith("torch f32 cpu (not OpenVINO: ")
    assert "is not mean pooling" in encoder.runtime
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())
    release_encoder()
    with pytest.raises(EmbedRequestError, match=r"DOCMIND_EMBED_RUNTIME=openvino: .*not mean pooling"):
        encoder_for(replace(spec, runtime="openvino"))


def test_changing_the_runtime_embeds_nothing_again_and_is_recorded(tmp_path: Path) -> None:
    data, docs = tmp_path / "data", write_prose(tmp_path / "docs")
    first = run_engine.ingest(data, docs, embed=True, embed_runtime="torch")
    assert first.embed_runtime == "torch f32 cpu" and first.windows_embedded == first.windows_total > 0

    again = run_engine.ingest(data, docs, embed=True, embed_runtime="openvino")
    assert not again.changed and again.windows_embedded == 0

    name, text = EXTRA_DOCUMENT
    (docs / name).write_text(text, encoding="utf-8")
    added = run_engine.ingest(data, docs, embed=True, embed_runtime="openvino")
    assert added.changed and 0 < added.windows_embedded < added.windows_total
    assert added.embed_runtime.startswith("openvino ")
    embedding = run_engine.listing(data).embedding
    assert embedding is not None and embedding.runtimes == ("torch f32 cpu", added.embed_runtime)


def test_a_hybrid_search_loads_no_torch(tmp_path: Path) -> None:
    data, docs = tmp_path / "data", write_prose(tmp_path / "docs")
    run_engine.ingest(data, docs, embed=True)
    probe = (
        "import sys\n"
        "from docmind.cli.main import main\n"
        "code = main(['search', '--mode', 'hybrid', '--json', sys.argv[1]])\n"
        f"heavy = sorted(name for name in {HEAVY!r} if name in sys.modules)\n"
        "print('HEAVY', ','.join(heavy), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    question = next(iter(QUESTIONS))
    result = subprocess.run(
        [sys.executable, "-c", probe, question],
        env=docmind_env(data, DOCMIND_EMBED="on"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY \n" in result.stderr
    # The query was embedded: the document that answers it has the best vector score.
    hits = [hit for hit in json.loads(result.stdout) if "dense" in hit["scores"]]
    assert max(hits, key=lambda hit: hit["scores"]["dense"])["file"] == QUESTIONS[question]
