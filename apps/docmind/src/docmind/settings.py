"""Settings: one pydantic-settings class read from ``DOCMIND_*`` environment variables.

The data dir defaults to ``.docmind-data`` in the current working directory, so a newcomer
who starts the app from a checkout finds everything in one visible folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path(".docmind-data")


def default_model_cache() -> Path:
    """Where converted embedding models are kept unless ``DOCMIND_MODEL_CACHE`` says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "docmind" / "models"


class Settings(BaseSettings):
    """Every tunable of DocMind; environment variables use the ``DOCMIND_`` prefix.

    ``DOCMIND_LIBRARY_DIRS`` is a list of folders separated by ``os.pathsep`` (``:`` on Linux).

    ``DOCMIND_SOURCE_ROOTS`` (same form) are the folders under which a source may be added from the
    browser (``docmind.sources.SourceRegistry.add``); the default is the home directory of the user
    running the app, and an empty value allows none. The CLI is not restricted.

    Dense embeddings (``docmind.embed``): ``DOCMIND_EMBED=off`` keeps the keyword-only engine.
    ``DOCMIND_EMBED_MODEL`` is a local sentence-transformers folder (default: the packaged
    all-MiniLM-L6-v2), or, with ``DOCMIND_EMBED_URL`` (an OpenAI-compatible ``/v1/embeddings``
    endpoint), the model name sent to it. ``embed_window`` is the window in word pieces (0: the
    model's own limit); ``embed_batch`` the windows per model call or request.
    ``DOCMIND_EMBED_RUNTIME`` runs a local model on ``openvino`` (converted once, cached in
    ``DOCMIND_MODEL_CACHE``, default ``$XDG_CACHE_HOME/docmind/models``), on ``torch``, or
    ``auto`` (the default: torch on an NVIDIA GPU, else OpenVINO, else torch when the model does not
    convert); see ``docmind.embed.encoders``.

    How a hybrid search fuses its keyword and vector candidates (``docmind.search.fusion``):
    ``DOCMIND_FUSION=convex`` (the default: a weighted sum of each list's rescaled scores) or ``rrf``
    (reciprocal rank fusion), measured side by side in ADR-063.

    Where the heavy stages run (``docmind.executors.seam``): ``DOCMIND_EXECUTOR=local`` (worker
    processes on this machine) or ``ray``. With Ray, ``DOCMIND_RAY_ADDRESS`` names the cluster
    (empty: start a local Ray runtime; ``auto``: the cluster this machine belongs to; ``HOST:PORT``),
    ``DOCMIND_RAY_DOCUMENTS`` how documents reach the workers (``store``: sent by the driver through
    Ray's object store; ``shared``: read by the workers from the same path, a mount every node has),
    and ``DOCMIND_RAY_RETRIES`` how often a file whose worker or node died is tried again.
    """

    model_config = SettingsConfigDict(env_prefix="DOCMIND_", frozen=True, extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    library_dirs: Annotated[tuple[Path, ...], NoDecode] = ()
    source_roots: Annotated[tuple[Path, ...], NoDecode] = Field(default_factory=lambda: (Path.home(),))
    chunk_size: int = Field(default=1024, ge=64, le=16384)
    chunk_overlap: int = Field(default=200, ge=0)
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64)
    max_file_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    retention: int = Field(default=5, ge=1)
    job_history_days: int = Field(default=30, ge=1)
    embed: bool = True
    embed_model: str = ""
    embed_url: str = ""
    embed_window: int = Field(default=0, ge=0, le=8192)
    embed_batch: int = Field(default=32, ge=1, le=1024)
    embed_runtime: Literal["auto", "openvino", "torch"] = "auto"
    model_cache: Path = Field(default_factory=default_model_cache)
    executor: Literal["local", "ray"] = "local"
    ray_address: str = ""
    ray_documents: Literal["store", "shared"] = "store"
    ray_retries: int = Field(default=1, ge=0, le=10)
    fusion: Literal["convex", "rrf"] = "convex"

    @field_validator("library_dirs", "source_roots", mode="before")
    @classmethod
    def _split_folder_lists(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part) for part in value.split(os.pathsep) if part.strip())
        return value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self
