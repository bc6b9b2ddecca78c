"""The OpenVINO encoder: a converted sentence-transformers model on this machine's CPU, without torch.

The model (``docmind.embed.openvino_model``) takes word-piece ids and answers mean-pooled, L2-normalised
vectors. Texts are tokenised here with the model's own ``tokenizer.json`` (``tokenizers``), cut at
the spec's window as sentence-transformers cuts them. OpenVINO compiles the model for the CPU's
default precision: bf16 on a CPU with bf16 instructions (AMX, AVX-512 BF16), else f32; ``precision``
says which. It runs on every core this process may use (``inference_threads``: fewer when
``OMP_NUM_THREADS`` says so, as Ray sets it for an actor that asked for that many CPUs; such a
process does not pin its threads, since OpenVINO would pin every one of them to the same first
cores), with the latency hint (one request at a time, all its threads on it). OpenVINO keeps what
it compiled in ``COMPILED_FOLDER`` of the model cache (its own model caching, keyed by the model,
the device and the configuration), so a process that embeds one query loads the compiled model
instead of compiling it; without a writable cache it compiles every time.

``encode`` keeps the model busy: a call's texts go in sub-batches of the spec's batch size, and the
next sub-batch is tokenised on a helper thread while the current one runs (both release the GIL).
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from docmind.embed.spec import EmbedSpec

MODEL_XML = "model.xml"
COMPILED_FOLDER = "compiled"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OpenVinoEncoder:
    """A converted model in ``folder`` (``MODEL_XML``), compiled for this CPU."""

    def __init__(self, spec: EmbedSpec, folder: Path) -> None:
        import openvino

        threads = inference_threads()
        core = openvino.Core()
        config: dict[str, object] = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"}
        if threads < _cores():  # pinned, every such process would run on the same first cores
            config["ENABLE_CPU_PINNING"] = False
        compiled = Path(spec.model_cache) / COMPILED_FOLDER
        with contextlib.suppress(OSError):
            compiled.mkdir(parents=True, exist_ok=True)
            config["CACHE_DIR"] = str(compiled)
        self._model = core.compile_model(str(folder / MODEL_XML), "CPU", config)
        self._output = self._model.output(0)
        self.precision = self._model.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        self.threads = int(self._model.get_property("INFERENCE_NUM_THREADS"))
        self.pinned = bool(self._model.get_property("ENABLE_CPU_PINNING"))
        self._tokenizer = Tokenizer.from_file(str(spec.tokenizer_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=spec.window)
        self._tokenizer.enable_padding(pad_id=0)
        self._batch = max(1, spec.batch)
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="docmind-tokenise")

    @property
    def runtime(self) -> str:
        """The runtime and precision, for people and ``corpus.json`` (``openvino f32``)."""
        return f"openvino {self.precision}"

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 vector per text; see the module docstring for the pipelining."""
        if not texts:
            return np.zeros((0, self._output.get_partial_shape()[1].get_length()), dtype=np.float32)
        parts = [texts[start : start + self._batch] for start in range(0, len(texts), self._batch)]
        pending: Future[dict[str, np.ndarray]] = self._helper.submit(self._tokenised, parts[0])
        vectors = []
        for position in range(len(parts)):
            inputs = pending.result()
            if position + 1 < len(parts):
                pending = self._helper.submit(self._tokenised, parts[position + 1])
            vectors.append(np.asarray(self._model(inputs)[self._output], dtype=np.float32))
        return np.vstack(vectors)

    def _tokenised(self, texts: list[str]) -> dict[str, np.ndarray]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        return dict(zip(_INPUTS, (ids, mask, np.zeros_like(ids)), strict=True))


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def inference_threads() -> int:
    """The cores this process may use, or ``OMP_NUM_THREADS`` when that is a smaller positive number."""
    cores = _cores()
    asked = os.environ.get("OMP_NUM_THREADS", "")
    return min(cores, int(asked)) if asked.isdigit() and int(asked) > 0 else cores
