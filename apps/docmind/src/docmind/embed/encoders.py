"""Encoders: texts → L2-normalised float32 vectors, from a local model or an embedding endpoint.

``encoder_for(spec)`` keeps one encoder per process (the model is loaded once, by the first call,
and ``release_encoder`` frees it). A local model runs on the runtime the spec asks for:

- ``openvino``: the model converted once (``docmind.embed.openvino_model``, verified against torch
  f32 when made) on this machine's CPU (``docmind.embed.openvino_encoder``); torch is not imported
  once the conversion exists. A model that does not convert fails with one line.
- ``torch``: sentence-transformers on CUDA when torch sees a GPU, else on the CPU.
- ``auto`` (the default): torch when an NVIDIA GPU is present (``gpu_present``: the driver's device
  files, without importing torch), else OpenVINO; a model OpenVINO cannot take (another shape, a
  conversion that does not verify) runs on torch, and its ``runtime`` says why.

A search's query goes to ``query_encoder_for``: with ``auto``, a model the NumPy forward pass
supports (``docmind.embed.numpy_encoder``: BERT, mean pooling, safetensors weights) embeds it without
loading any runtime; otherwise, or when a runtime is named, ``encoder_for``.

No local encoder reaches for a model hub. The endpoint encoder speaks the OpenAI ``/v1/embeddings``
protocol (Ollama, TEI, vLLM, LM Studio).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from docmind.embed.spec import EmbedSpec

REQUEST_TIMEOUT_S = 120.0
PROBE_TIMEOUT_S = 10.0


class EmbedRequestError(RuntimeError):
    """The embedder failed or answered something unusable; the message is one line for people."""


class Encoder(Protocol):
    """Turns texts into one normalised vector each."""

    @property
    def runtime(self) -> str:
        """What runs the model, and in which precision (``openvino f32``, ``torch f32 cuda``)."""
        ...

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return a ``(len(texts), dims)`` float32 array of L2-normalised vectors."""
        ...


class TorchEncoder:
    """A sentence-transformers model from a local folder, on torch (CUDA when present)."""

    def __init__(self, spec: EmbedSpec, note: str = "") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.disable_progress_bar()
        transformers.logging.set_verbosity_error()

        device = "cuda" if torch.cuda.is_available() else "cpu"
        self._model: Any = SentenceTransformer(spec.model, device=device, local_files_only=True)
        self._model.max_seq_length = spec.window
        self._batch = spec.batch
        self._runtime = f"torch f32 {device}" + (f" ({note})" if note else "")

    @property
    def runtime(self) -> str:
        """``torch f32 cpu`` or ``torch f32 cuda``, with why OpenVINO was not used when it was asked."""
        return self._runtime

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` in batches of the spec's size."""
        vectors = self._model.encode(
            texts,
            batch_size=self._batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class EndpointEncoder:
    """An OpenAI-compatible ``/v1/embeddings`` endpoint."""

    def __init__(self, spec: EmbedSpec, timeout: float = REQUEST_TIMEOUT_S) -> None:
        import httpx

        self._url = spec.url
        self._model = spec.model
        self._client = httpx.Client(timeout=timeout, trust_env=False)
        self._errors: tuple[type[Exception], ...] = (httpx.HTTPError, ValueError, KeyError, TypeError)

    @property
    def runtime(self) -> str:
        """``endpoint`` (what runs the model there is the endpoint's business)."""
        return "endpoint"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Send ``texts`` in one request; the answer must hold one vector per text, all of one size."""
        try:
            response = self._client.post(self._url, json={"model": self._model, "input": texts})
            response.raise_for_status()
            items = sorted(response.json()["data"], key=lambda item: int(item["index"]))
            rows = [item["embedding"] for item in items]
        except self._errors as exc:
            raise EmbedRequestError(f"embedding endpoint {self._url} failed: {_reason(exc)}") from exc
        if len(rows) != len(texts):
            raise EmbedRequestError(
                f"embedding endpoint {self._url} returned {len(rows)} vectors for {len(texts)} texts"
            )
        sizes = {len(row) for row in rows}
        if len(sizes) != 1 or 0 in sizes:
            raise EmbedRequestError(
                f"embedding endpoint {self._url} returned vectors of sizes {sorted(sizes)}"
            )
        return normalised(np.asarray(rows, dtype=np.float32))


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


_lock = threading.Lock()
_current: tuple[EmbedSpec, Encoder] | None = None
_query: tuple[EmbedSpec, Encoder] | None = None


def encoder_for(spec: EmbedSpec) -> Encoder:
    """This process's encoder for ``spec``, loaded on first use (a new spec replaces the old one)."""
    global _current
    with _lock:
        if _current is None or _current[0] != spec:
            _current = None
            encoder = _local_encoder(spec) if spec.kind == "local" else EndpointEncoder(spec)
            _current = (spec, encoder)
        return _current[1]


def query_encoder_for(spec: EmbedSpec) -> Encoder:
    """This process's encoder for a search's queries of ``spec``; see the module docstring."""
    global _query
    if spec.kind != "local" or spec.runtime != "auto":
        return encoder_for(spec)
    from docmind.embed.numpy_encoder import NumpyEncoder, supports

    if not supports(Path(spec.model)):
        return encoder_for(spec)
    with _lock:
        if _query is None or _query[0] != spec:
            _query = (spec, NumpyEncoder(spec))
        return _query[1]


def gpu_present() -> bool:
    """Whether an NVIDIA GPU's device files exist (what ``auto`` runs torch for), without importing torch."""
    return Path("/dev/nvidia0").exists() or Path("/proc/driver/nvidia/version").exists()


def _local_encoder(spec: EmbedSpec) -> Encoder:
    """The local model on the runtime ``spec.runtime`` asks for; see the module docstring."""
    from docmind.embed.openvino_encoder import OpenVinoEncoder
    from docmind.embed.openvino_model import ConversionRefusedError, converted_model

    if spec.runtime == "torch" or (spec.runtime == "auto" and gpu_present()):
        return TorchEncoder(spec)
    try:
        return OpenVinoEncoder(spec, converted_model(spec))
    except (ConversionRefusedError, OSError) as exc:
        reason = str(exc) if isinstance(exc, ConversionRefusedError) else f"model cache: {_reason(exc)}"
        if spec.runtime == "openvino":
            raise EmbedRequestError(f"DOCMIND_EMBED_RUNTIME=openvino: {reason}") from exc
        return TorchEncoder(spec, note=f"not OpenVINO: {reason}")


def release_encoder() -> None:
    """Drop this process's encoders (and with them the model's memory)."""
    global _current, _query
    with _lock:
        _current = _query = None


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
