"""A chunk as LlamaIndex stores a ``TextNode``, written without importing LlamaIndex.

The BM25 index is persisted in the format of LlamaIndex's ``BM25Retriever`` (searches load it with
``BM25Retriever.from_persist_dir``). Its corpus holds one record per node:
``node_to_metadata_dict(node) | {"node_id": ...}``, the node's metadata plus the whole node as JSON;
its terms come from ``node.get_content(MetadataMode.EMBED)``, whose metadata lines are
``get_metadata_str``. The index worker builds both here, from plain values: importing
``llama_index.core`` costs over a second of CPU and tens of MiB in the process that builds the index
(ADR-055). A test holds both equal to LlamaIndex's own on the installed version, so an upgrade that
changes the node format fails that test instead of writing records LlamaIndex would read differently.
"""

from __future__ import annotations

import json

METADATA_TEMPLATE = "{key}: {value}"
METADATA_SEPARATOR = "\n"
TEXT_TEMPLATE = "{metadata_str}\n\n{content}"
NO_DOCUMENT = "None"
"""What LlamaIndex records as the document id of a node that has none."""


def metadata_str(metadata: dict[str, str]) -> str:
    """``TextNode.get_metadata_str(MetadataMode.EMBED)`` for a node that excludes no metadata key."""
    return METADATA_SEPARATOR.join(METADATA_TEMPLATE.format(key=k, value=v) for k, v in metadata.items())


def corpus_record(node_id: str, text: str, metadata: dict[str, str]) -> dict[str, str]:
    """The retriever's record of ``TextNode(id_=node_id, text=text, metadata=metadata)``.

    That is ``node_to_metadata_dict(node) | {"node_id": node_id}``.
    """
    node = {
        "id_": node_id,
        "embedding": None,
        "metadata": metadata,
        "excluded_embed_metadata_keys": [],
        "excluded_llm_metadata_keys": [],
        "relationships": {},
        "metadata_template": METADATA_TEMPLATE,
        "metadata_separator": METADATA_SEPARATOR,
        "text": text,
        "mimetype": "text/plain",
        "start_char_idx": None,
        "end_char_idx": None,
        "text_template": TEXT_TEMPLATE,
        "class_name": "TextNode",
    }
    return {
        **metadata,
        "_node_content": json.dumps(node, ensure_ascii=False),
        "_node_type": "TextNode",
        "document_id": NO_DOCUMENT,
        "doc_id": NO_DOCUMENT,
        "ref_doc_id": NO_DOCUMENT,
        "node_id": node_id,
    }
