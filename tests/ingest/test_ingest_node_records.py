"""The chunk records DocMind writes are LlamaIndex's own ``TextNode`` records."""

from __future__ import annotations

from docmind.segments.node_records import corpus_record, metadata_str
from llama_index.core.schema import MetadataMode, TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node, node_to_metadata_dict


def test_records_and_metadata_lines_equal_llama_index_nodes() -> None:
    metadata = {"file": "Ünïcode folder/a “quoted” file.pdf", "source": "lib", "page": "3"}
    node = TextNode(id_="node-7", text="Text with\nlines, “quotes” and ünïcode.", metadata=metadata)
    ours = corpus_record(node.node_id, node.text, metadata)
    theirs = node_to_metadata_dict(node) | {"node_id": node.node_id}
    assert ours == theirs
    assert metadata_str(metadata) == node.get_metadata_str(MetadataMode.EMBED)
    back = metadata_dict_to_node(ours)
    assert (back.node_id, back.get_content(), back.metadata) == (node.node_id, node.text, metadata)
