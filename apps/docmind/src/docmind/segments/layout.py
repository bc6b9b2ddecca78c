"""Every file a published snapshot holds, named once.

A snapshot directory::

    MANIFEST.json                     the snapshot store's own manifest (every file's size and SHA-256)
    corpus.json                       the corpus listing: settings, files not in the index, removals
    index.json                        the index manifest: segments, their deletion marks, live totals
    segments/<segment>/meta.json      the segment's header: counts, dtypes, the files it holds
    segments/<segment>/records.jsonl  one chunk record per line (text and metadata), in chunk order
    segments/<segment>/records.offsets.npy  byte offset of each record's line (+ the end)
    segments/<segment>/records.crc.npy      CRC-32 of each record's line, checked when it is read
    segments/<segment>/vocab.bin      the segment's terms, UTF-8, sorted by their bytes
    segments/<segment>/vocab.offsets.npy    byte offset of each term in vocab.bin (+ the end)
    segments/<segment>/postings.ptr.npy     where each term's postings start (+ the end)
    segments/<segment>/postings.docs.npy    chunk numbers, ascending within a term
    segments/<segment>/postings.tfs.npy     the term's frequency in that chunk
    segments/<segment>/doclen.npy     each chunk's length in terms (metadata terms included)
    segments/<segment>/vectors.faiss  one vector per window (inner product of unit vectors)
    segments/<segment>/vectors.parents.npy  each window's chunk number
    deletes/<segment>.<generation>.npy      chunk numbers of the segment no longer in the index
"""

from __future__ import annotations

import re

MANIFEST_FILE = "MANIFEST.json"
CORPUS_FILE = "corpus.json"
INDEX_FILE = "index.json"
SEGMENTS_DIR = "segments"
DELETES_DIR = "deletes"

SEGMENT_META = "meta.json"
RECORDS = "records.jsonl"
RECORD_OFFSETS = "records.offsets.npy"
RECORD_CRCS = "records.crc.npy"
VOCAB = "vocab.bin"
VOCAB_OFFSETS = "vocab.offsets.npy"
POSTINGS_PTR = "postings.ptr.npy"
POSTINGS_DOCS = "postings.docs.npy"
POSTINGS_TFS = "postings.tfs.npy"
DOC_LENGTHS = "doclen.npy"
VECTORS = "vectors.faiss"
VECTOR_PARENTS = "vectors.parents.npy"

MAPPED_FILES = (VOCAB, VOCAB_OFFSETS, POSTINGS_PTR, POSTINGS_DOCS, POSTINGS_TFS, DOC_LENGTHS, RECORD_OFFSETS,
                RECORD_CRCS)  # fmt: skip
"""The keyword files a reader maps whole: their checksums are checked when a process first maps them."""
VECTOR_FILES = (VECTORS, VECTOR_PARENTS)
"""The dense files, checked when a process first maps them for a dense search."""

_SEGMENT_NAME = re.compile(r"seg-[0-9]{6}-[0-9a-f]{6}")
_DELETES_NAME = re.compile(r"(?P<segment>seg-[0-9]{6}-[0-9a-f]{6})\.(?P<generation>[0-9]+)\.npy")


def segment_dir(name: str) -> str:
    """The snapshot-relative folder of segment ``name``."""
    return f"{SEGMENTS_DIR}/{name}"


def deletes_file(segment: str, generation: int) -> str:
    """The snapshot-relative deletion-marks file of ``segment`` at ``generation``."""
    return f"{DELETES_DIR}/{segment}.{generation}.npy"


def segment_name(counter: int, token: str) -> str:
    """A segment's name: a counter (creation order) and a random token (unique across rollbacks)."""
    return f"seg-{counter:06d}-{token}"


def is_segment_name(name: str) -> bool:
    """Whether ``name`` is a segment's name."""
    return _SEGMENT_NAME.fullmatch(name) is not None


def segment_counter(name: str) -> int:
    """The creation counter in a segment's name."""
    return int(name.split("-")[1])
