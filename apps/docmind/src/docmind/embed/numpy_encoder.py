"""A query's vector without a runtime to load: a BERT sentence model's forward pass in NumPy f32.

A search embeds one short text per process. Loading a runtime for it (OpenVINO's import and its
compiled model, torch and the model) costs more than the forward pass itself, so a query is embedded
here when the model allows: ``supports(folder)`` is true for a BERT model (absolute positions, exact
GELU) of the shape DocMind converts (Transformer, mean pooling, optionally normalisation) whose weights
are a ``model.safetensors``. The weights are opened with ``safetensors`` (only the rows of the
query's word pieces are read from the word embeddings); the forward pass is BERT's, in f32, one text at
a time (no padding), mean-pooled and L2-normalised: the same arithmetic as torch f32, so the vectors
agree with it to rounding (tested on real windows and questions). Long texts are correct but slow
here: ingestion embeds on a runtime.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from docmind.embed.spec import EmbedSpec

WEIGHTS = "model.safetensors"
_ERF = np.frompyfunc(math.erf, 1, 1)
_SHAPES = (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])


def supports(folder: Path) -> bool:
    """Whether the model in ``folder`` can be run here (see the module docstring); never raises."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [str(module["type"]).rsplit(".", 1)[-1] for module in modules]
        pooling_path = next(m["path"] for m in modules if str(m["type"]).endswith("Pooling"))
        pooling = json.loads((folder / pooling_path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return False
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode_") and value}
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and kinds in _SHAPES
        and modes == {"pooling_mode_mean_tokens"}
        and (folder / WEIGHTS).is_file()
    )


class NumpyEncoder:
    """The model of ``spec`` (``supports`` must hold) run by NumPy; see the module docstring."""

    runtime = "numpy f32"

    def __init__(self, spec: EmbedSpec) -> None:
        from safetensors import safe_open

        folder = Path(spec.model)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._file: Any = safe_open(str(folder / WEIGHTS), framework="np")
        names = list(self._file.keys())
        word = next(name for name in names if name.endswith("embeddings.word_embeddings.weight"))
        self._prefix = word.removesuffix("embeddings.word_embeddings.weight")
        self._loaded: dict[str, np.ndarray] = {}
        self._tokenizer = Tokenizer.from_file(str(spec.tokenizer_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=spec.window)
        self._tokenizer.no_padding()

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 vector per text."""
        return np.stack([self._one(text) for text in texts]).astype(np.float32)

    def _one(self, text: str) -> np.ndarray:
        ids = self._tokenizer.encode(text).ids
        rows = self._file.get_slice(f"{self._prefix}embeddings.word_embeddings.weight")
        x = np.stack([rows[i : i + 1][0] for i in ids])
        x = x + self._w("embeddings.position_embeddings.weight")[: len(ids)]
        x = x + self._w("embeddings.token_type_embeddings.weight")[0]
        x = self._norm(x, "embeddings.LayerNorm")
        for layer in range(self._layers):
            x = self._layer(x, f"encoder.layer.{layer}.")
        mean = x.mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    def _layer(self, x: np.ndarray, name: str) -> np.ndarray:
        tokens, width = x.shape
        size = width // self._heads

        def heads(part: str) -> np.ndarray:
            return (
                self._dense(x, f"{name}attention.self.{part}")
                .reshape(tokens, self._heads, size)
                .transpose(1, 0, 2)
            )

        scores = heads("query") @ heads("key").transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attended = (scores / scores.sum(axis=-1, keepdims=True)) @ heads("value")
        attended = attended.transpose(1, 0, 2).reshape(tokens, width)
        x = self._norm(
            x + self._dense(attended, f"{name}attention.output.dense"), f"{name}attention.output.LayerNorm"
        )
        inner = self._dense(x, f"{name}intermediate.dense")
        inner = 0.5 * inner * (1.0 + np.asarray(_ERF(inner / math.sqrt(2.0)), dtype=np.float32))
        return self._norm(x + self._dense(inner, f"{name}output.dense"), f"{name}output.LayerNorm")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._w(f"{name}.weight").T + self._w(f"{name}.bias")

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + self._eps) * self._w(f"{name}.weight") + self._w(
            f"{name}.bias"
        )

    def _w(self, name: str) -> np.ndarray:
        if name not in self._loaded:
            self._loaded[name] = self._file.get_tensor(f"{self._prefix}{name}")
        return self._loaded[name]
