"""The embedding calls, run inside a worker process: load the model, then batches of window texts → vectors.

``load_encoder`` loads the model (the pipeline runs it while the last files are parsed, in the
worker that will embed); it stays loaded in that worker for the rest of the phase, and the
pipeline stops the worker when the phase ends, which frees the model's memory. A cancel kills the
worker mid-batch (``WorkerPool``), so a batch never delays a cancel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from docmind.embed.encoders import encoder_for
from docmind.embed.spec import EmbedSpec


@dataclass(frozen=True)
class EncodeRequest:
    """One batch for a worker: the embedder and the texts (small and picklable)."""

    spec: EmbedSpec
    texts: list[str]


def load_encoder(spec: EmbedSpec) -> str:
    """Load the embedder of ``spec`` in this process and return its runtime (``openvino f32``).

    A local model's first load on a runtime that converts it (OpenVINO) converts it first
    (``docmind.embed.openvino_model``): seconds, once per model and machine.
    """
    return encoder_for(spec).runtime


def encode_windows(request: EncodeRequest) -> np.ndarray:
    """Return one L2-normalised float32 vector per text of ``request``."""
    return encoder_for(request.spec).encode(request.texts)
