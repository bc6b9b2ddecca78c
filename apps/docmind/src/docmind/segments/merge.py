"""Merging segments into one: the live chunks of each, in order, with nothing else changed.

The merged segment holds every live chunk of the sources, sources in the order given and chunks
in their order within each, with the same records (the same bytes, so the same checksums), lengths,
postings and window vectors: a search over it gives the same scores as over the sources, and
deleted chunks are gone for good. Postings are merged without re-reading any text: each source's
term numbers are mapped into the merged vocabulary and its chunk numbers into the merged order.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from docmind.segments import layout
from docmind.segments.bm25 import LivePart
from docmind.segments.meta import FileSpan, SegmentMeta, read_segment_meta
from docmind.segments.vectors import stored_vectors, vector_index
from docmind.segments.writer import fsync_folder

Progress = Callable[[int, int], None]
"""Called with (chunks copied, chunks to copy) as a merge goes."""


def merge_segments(
    sources: Sequence[LivePart], folder: Path, name: str, progress: Progress | None = None
) -> SegmentMeta:
    """Write the segment ``name`` into ``folder`` (created) from the live chunks of ``sources``."""
    folder.mkdir(parents=True)
    maps = [_new_numbers(part) for part in sources]
    firsts = np.cumsum([0] + [int(m[1]) for m in maps])
    total = int(firsts[-1])
    files = _spans(sources, maps, firsts)
    lengths = np.concatenate([part.reader.doc_lengths[_live(part)] for part in sources]).astype(np.uint32)
    _copy_records(sources, folder, total, progress)
    np.save(folder / layout.DOC_LENGTHS, lengths)
    terms, postings, tf_dtype = _merge_postings(sources, maps, firsts, folder)
    windows, dims = _merge_vectors(sources, maps, firsts, folder)
    meta = SegmentMeta(
        name=name,
        docs=total,
        total_len=int(lengths.sum(dtype=np.int64)),
        terms=terms,
        postings=postings,
        tf_dtype=tf_dtype,
        windows=windows,
        dims=dims,
        files=tuple(files),
    )
    (folder / layout.SEGMENT_META).write_text(meta.model_dump_json(), encoding="utf-8")
    fsync_folder(folder)
    return meta


def _live(part: LivePart) -> np.ndarray:
    return np.ones(part.reader.docs, dtype=bool) if part.live is None else np.asarray(part.live, dtype=bool)


def _new_numbers(part: LivePart) -> tuple[np.ndarray, int]:
    """Old chunk number → number among the source's live chunks (-1: deleted), and the live count."""
    live = _live(part)
    numbers = np.cumsum(live, dtype=np.int64) - 1
    numbers[~live] = -1
    return numbers, int(live.sum())


def _spans(
    sources: Sequence[LivePart], maps: list[tuple[np.ndarray, int]], firsts: np.ndarray
) -> list[FileSpan]:
    spans: list[FileSpan] = []
    for part, (numbers, _), first in zip(sources, maps, firsts[:-1], strict=True):
        for span in read_segment_meta(part.reader.folder).files:
            if span.chunks and numbers[span.first] >= 0:  # a file's chunks are deleted all together
                spans.append(span.model_copy(update={"first": int(first + numbers[span.first])}))
    return spans


def _copy_records(sources: Sequence[LivePart], folder: Path, total: int, progress: Progress | None) -> None:
    offsets = [0]
    crcs: list[int] = []
    copied = 0
    with (folder / layout.RECORDS).open("wb") as out:
        for part in sources:
            for doc in np.flatnonzero(_live(part)):
                line = part.reader.record_line(int(doc))
                out.write(line)
                offsets.append(offsets[-1] + len(line))
                crcs.append(zlib.crc32(line))
                copied += 1
                if progress is not None and copied % 1000 == 0:
                    progress(copied, total)
    np.save(folder / layout.RECORD_OFFSETS, np.array(offsets, dtype=np.uint64))
    np.save(folder / layout.RECORD_CRCS, np.array(crcs, dtype=np.uint32))
    if progress is not None:
        progress(copied, total)


def _merge_postings(
    sources: Sequence[LivePart], maps: list[tuple[np.ndarray, int]], firsts: np.ndarray, folder: Path
) -> tuple[int, int, str]:
    vocabularies = [part.reader.terms() for part in sources]
    merged = sorted(set().union(*vocabularies), key=str.encode)
    number_of = {term: number for number, term in enumerate(merged)}
    term_ids, docs, tfs = [], [], []
    for part, vocabulary, (numbers, _), first in zip(sources, vocabularies, maps, firsts[:-1], strict=True):
        reader = part.reader
        mapping = np.fromiter((number_of[t] for t in vocabulary), dtype=np.uint32, count=len(vocabulary))
        per_term = np.diff(np.asarray(reader.postings_ptr, dtype=np.int64))
        term_of_posting = np.repeat(mapping, per_term)
        new_docs = numbers[np.asarray(reader.postings_docs, dtype=np.int64)]
        keep = new_docs >= 0
        term_ids.append(term_of_posting[keep])
        docs.append((new_docs[keep] + first).astype(np.uint32))
        tfs.append(np.asarray(reader.postings_tfs, dtype=np.uint32)[keep])
    all_terms = np.concatenate(term_ids) if term_ids else np.empty(0, dtype=np.uint32)
    order = np.argsort(all_terms, kind="stable")  # sources in order, chunks ascending within a term
    counts = np.bincount(all_terms, minlength=len(merged)).astype(np.uint64)
    used = counts > 0  # a term only deleted chunks held is left out of the vocabulary
    encoded = [term.encode() for term, keep in zip(merged, used, strict=True) if keep]
    (folder / layout.VOCAB).write_bytes(b"".join(encoded))
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.uint64, count=len(encoded))
    np.save(folder / layout.VOCAB_OFFSETS, np.concatenate(([0], np.cumsum(lengths))).astype(np.uint64))
    np.save(folder / layout.POSTINGS_PTR, np.concatenate(([0], np.cumsum(counts[used]))).astype(np.uint64))
    np.save(folder / layout.POSTINGS_DOCS, np.concatenate(docs)[order] if docs else np.empty(0, np.uint32))
    merged_tfs = np.concatenate(tfs)[order] if tfs else np.empty(0, np.uint32)
    tf_dtype = (
        "uint16" if merged_tfs.size == 0 or int(merged_tfs.max()) <= np.iinfo(np.uint16).max else "uint32"
    )
    np.save(folder / layout.POSTINGS_TFS, merged_tfs.astype(tf_dtype))
    return len(encoded), int(merged_tfs.size), tf_dtype


def _merge_vectors(
    sources: Sequence[LivePart], maps: list[tuple[np.ndarray, int]], firsts: np.ndarray, folder: Path
) -> tuple[int, int]:
    with_vectors = [part for part in sources if part.reader.meta.windows]
    if not with_vectors:
        return 0, 0
    import faiss

    dims = with_vectors[0].reader.meta.dims
    blocks, parents_out = [], []
    for part, (numbers, _), first in zip(sources, maps, firsts[:-1], strict=True):
        if not part.reader.meta.windows:
            continue
        source_index, parents = part.reader.vectors()
        new_parents = numbers[np.asarray(parents, dtype=np.int64)]
        keep = np.flatnonzero(new_parents >= 0)
        blocks.append(np.asarray(stored_vectors(source_index)[keep], dtype=np.float32))
        parents_out.append((new_parents[keep] + first).astype(np.uint32))
    matrix = np.ascontiguousarray(np.vstack(blocks))
    del blocks
    faiss.write_index(vector_index(matrix), str(folder / layout.VECTORS))
    np.save(folder / layout.VECTOR_PARENTS, np.concatenate(parents_out))
    return int(matrix.shape[0]), dims
