"""The on-disk index of a snapshot: immutable segments under one small manifest.

A segment holds the chunks of a set of files: their records (text and metadata), their BM25
postings and lengths, and their window vectors. A snapshot's ``index.json`` names the segments it
is made of and, for each, the deletion marks of the chunks it no longer holds. A change writes a
new segment for the new and changed files and new deletion marks, and shares every other segment
with the snapshot before it (hard links: a segment is reclaimed when no snapshot names it and no
reader holds it open). BM25 is computed at query time from corpus-wide statistics over the live
chunks of every segment, so ranking does not depend on how the index is split.

Modules: ``layout`` names every file of a snapshot; ``writer`` and ``reader`` are one segment's
two sides; ``manifest`` is ``index.json``; ``bm25`` and ``dense`` search a whole snapshot;
``merge`` keeps the number of segments bounded.
"""
