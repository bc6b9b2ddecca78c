"""A local sentence-transformers model converted once to OpenVINO, cached by the model's identity.

``converted_model(spec)`` returns the folder of the converted model (``model.xml`` + ``model.bin``
+ ``verified.json``) in the model cache (``DOCMIND_MODEL_CACHE``), making it on first use:

1. **Which models convert:** a folder whose modules are a Transformer, mean pooling and, optionally,
   normalisation (``modules.json``, ``1_Pooling/config.json``), the shape of all-MiniLM-L6-v2 and
   most sentence-transformers retrieval models. Any other shape is refused
   (:class:`ConversionRefusedError`) and the model keeps running on torch.
2. **How:** the transformer is loaded with eager attention (the SDPA path exports extra passes that
   keep OpenVINO from fusing attention), wrapped with the mean pooling and the L2 normalisation so
   that the graph answers sentence vectors, exported to ONNX (opset 17, dynamic batch and sequence
   axes) and read by OpenVINO's ONNX front end; the weights are saved in f32. Torch is needed here
   and only here: a process that finds the model converted never imports it.
3. **Verified when made:** the converted model, compiled as the encoder compiles it (the CPU's
   default precision), embeds ``PROBE_TEXTS`` beside the source model on torch f32; unless the mean
   cosine is at least ``MIN_MEAN_COSINE`` and the lowest at least ``MIN_COSINE``, the conversion is
   refused. The figures are kept in ``verified.json``.
4. **Published atomically:** the model is made in a hidden folder of the cache and renamed into
   place; a process that loses the race to another uses the winner's. A folder without its
   ``verified.json`` is never used.

The cache key is the model's identity (``docmind.embed.identity``: a digest of every file of the
folder) and ``EXPORT_VERSION``: a changed model, or a changed recipe, converts again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from docmind.embed.identity import identified
from docmind.embed.openvino_encoder import MODEL_XML, OpenVinoEncoder
from docmind.embed.spec import EmbedSpec

EXPORT_VERSION = "onnx17-eager-meanpool-v1"
"""Bump when the recipe changes: every cached conversion is then made again."""
VERIFIED_FILE = "verified.json"
MIN_MEAN_COSINE = 0.9999
MIN_COSINE = 0.999
PROBE_TEXTS = (
    "How do I cancel a running ingestion job?",
    "Snapshots are published atomically: readers never see a half-built index.",
    "ERR_CONNECTION_REFUSED 0x80004005 at docmind.search.engine.retrieve()",
    "Die Verarbeitung großer PDF-Dateien dauert länger als erwartet.",
    "version 2.14.3-rc1 fixes CVE-2024-3094 in liblzma",
    "def window_key(text: str) -> bytes: return hashlib.sha256(text.encode()).digest()",
    "a",
    " ".join(["The quarterly report compares revenue, costs and staffing across all regions."] * 30),
)
"""Short and long (beyond the window, so truncation is exercised), prose, code, identifiers, German."""


class ConversionRefusedError(RuntimeError):
    """The model cannot be converted (its shape) or the conversion did not verify; one line for people."""


def cache_folder(spec: EmbedSpec) -> Path:
    """Where the converted model of ``spec`` lives (whether or not it exists yet)."""
    return Path(spec.model_cache) / f"openvino-{spec.identity}-{EXPORT_VERSION}"


def converted_model(spec: EmbedSpec) -> Path:
    """The folder of ``spec``'s model converted to OpenVINO and verified; made on first use.

    Raises:
        ConversionRefusedError: the model's shape is not one this recipe converts, or the converted
            model's vectors do not match the source model's.
        OSError: the model cache cannot be written.
        EmbedderUnavailableError: ``spec`` has no identity and its model cannot be read to find it.
    """
    if not spec.identity:  # the cache is keyed by the model's content: never by an empty identity
        spec = identified(spec, Path(spec.model_cache))
    folder = cache_folder(spec)
    if (folder / VERIFIED_FILE).is_file():
        return folder
    _check_shape(Path(spec.model))
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".converting-", dir=folder.parent))
    try:
        _export(spec, work)
        figures = _verify(spec, work)
        (work / VERIFIED_FILE).write_text(json.dumps(figures, indent=2), encoding="utf-8")
        work.chmod(0o755)  # made private by mkdtemp; the published folder is readable like any cache
        try:
            work.rename(folder)
        except OSError:
            if not (folder / VERIFIED_FILE).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def verified_figures(folder: Path) -> dict[str, Any]:
    """What the conversion measured (cosines to torch f32, the precision, the library versions)."""
    return dict(json.loads((folder / VERIFIED_FILE).read_text(encoding="utf-8")))


def _check_shape(model: Path) -> None:
    try:
        modules = json.loads((model / "modules.json").read_text(encoding="utf-8"))
        kinds = [str(module["type"]).rsplit(".", 1)[-1] for module in modules]
        pooling = next(module["path"] for module in modules if str(module["type"]).endswith("Pooling"))
        config = json.loads((model / pooling / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise ConversionRefusedError(f"{model}: cannot read its sentence-transformers modules") from exc
    modes = {key for key, value in config.items() if key.startswith("pooling_mode_") and value}
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ConversionRefusedError(f"{model}: modules {kinds} are not transformer + pooling")
    if modes != {"pooling_mode_mean_tokens"}:
        raise ConversionRefusedError(f"{model}: pooling {sorted(modes)} is not mean pooling")


def _export(spec: EmbedSpec, work: Path) -> None:
    """Export the model with its pooling and normalisation to ONNX, then to OpenVINO IR in ``work``."""
    import openvino
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    transformer = AutoModel.from_pretrained(spec.model, attn_implementation="eager", local_files_only=True)
    example = torch.ones((2, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    onnx_file = work / "model.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on constants it keeps: checked by _verify
        torch.onnx.export(
            Pooled(transformer.eval()),
            (example, example, torch.zeros_like(example)),
            str(onnx_file),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in names}, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    model = openvino.Core().read_model(str(onnx_file))
    openvino.save_model(model, str(work / MODEL_XML), compress_to_fp16=False)
    onnx_file.unlink()


def _verify(spec: EmbedSpec, work: Path) -> dict[str, Any]:
    """Compare the converted model with the source model on torch f32; refuse a mismatch."""
    import openvino
    import torch
    from sentence_transformers import SentenceTransformer

    source = SentenceTransformer(spec.model, device="cpu", local_files_only=True)
    source.max_seq_length = spec.window
    texts = list(PROBE_TEXTS)
    with torch.no_grad():
        expected = np.asarray(source.encode(texts, normalize_embeddings=True), dtype=np.float32)
    encoder = OpenVinoEncoder(spec, work)
    got = encoder.encode(texts)
    cosines = np.sum(expected * got, axis=1)
    figures = {
        "mean_cosine": float(cosines.mean()),
        "min_cosine": float(cosines.min()),
        "precision": encoder.precision,
        "openvino": openvino.__version__,
        "torch": torch.__version__,
        "recipe": EXPORT_VERSION,
    }
    if figures["mean_cosine"] < MIN_MEAN_COSINE or figures["min_cosine"] < MIN_COSINE:
        raise ConversionRefusedError(
            f"{spec.name} converted to OpenVINO ({encoder.precision}) answers other vectors than on torch:"
            f" mean cosine {figures['mean_cosine']:.6f}, lowest {figures['min_cosine']:.6f}"
        )
    return figures
