"""What a new corpus listing changes against the active snapshot's: one settings signature, one comparison.

The settings signature names every setting that shapes the published index (the pipeline version, the
splitter's name and version, the chunk settings and the embedder's fingerprint, or ``off``). It is
recorded in each snapshot's ``corpus.json``, and a listing whose signature differs from the active one's
is a change even when every file is the same: a new setting must reach the index. ``change_between`` is
the only place two listings are compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from docmind.ingest.parse.chunk_cache import PIPELINE_VERSION
from docmind.ingest.parse.splitter import NAME as SPLITTER
from docmind.segments.corpus_listing import CorpusListing
from docmind.settings import Settings

IN_INDEX = frozenset({"indexed", "cached"})
"""File statuses whose chunks are in the index (``cached`` only says where the chunks came from)."""


class Change(Enum):
    """How much of a snapshot a new listing changes."""

    NONE = "none"
    """Same settings, same indexed files, same failures and skips: there is nothing to publish."""
    LISTING = "listing"
    """The index would hold the same content under the same settings; only failures or skips differ."""
    INDEX = "index"
    """The index content or the settings differ (or there is no active listing): build the index."""


def settings_signature(settings: Settings, embed_fingerprint: str | None) -> dict[str, int | str]:
    """Every setting that shapes the published index, as recorded in ``CorpusListing.settings``.

    ``embed_fingerprint`` is the embedder's (``EmbedSpec.fingerprint``), ``None`` when embeddings are off.
    """
    return {
        "pipeline": PIPELINE_VERSION,
        "splitter": SPLITTER,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "embed": embed_fingerprint or "off",
    }


def change_between(previous: CorpusListing | None, listing: CorpusListing) -> Change:
    """Compare ``listing`` with the active snapshot's listing ``previous`` (``None``: no active listing)."""
    if previous is None or previous.settings != listing.settings:
        return Change.INDEX
    if _index_content(previous) != _index_content(listing):
        return Change.INDEX
    if _other_records(previous) != _other_records(listing):
        return Change.LISTING
    return Change.NONE


def removed_paths(previous: CorpusListing | None, kept: Iterable[str]) -> list[str]:
    """Paths ``previous`` had in its index that are not among ``kept`` (sorted).

    ``kept`` are the paths the new snapshot lists as indexed, cached or failed: a file that now fails
    is reported as failed, not as removed; one that is gone or now skipped is removed.
    """
    if previous is None:
        return []
    keep = set(kept)
    return sorted(f.path for f in previous.files if f.status in IN_INDEX and f.path not in keep)


def added_and_changed(
    previous: CorpusListing | None, indexed: Iterable[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """Split the new index's ``(path, content hash)`` pairs ``indexed`` into added and changed paths.

    Added: ``previous`` did not index the path; changed: it indexed it with other content. Both
    lists are sorted; without an active listing every path is added.
    """
    before = {f.path: f.sha256 for f in previous.files if f.status in IN_INDEX} if previous else {}
    added, changed = [], []
    for path, sha in indexed:
        if path not in before:
            added.append(path)
        elif before[path] != sha:
            changed.append(path)
    return sorted(added), sorted(changed)


def _index_content(listing: CorpusListing) -> frozenset[tuple[str, str]]:
    return frozenset((f.path, f.sha256) for f in listing.files if f.status in IN_INDEX)


def _other_records(listing: CorpusListing) -> frozenset[tuple[str, str, str, str]]:
    return frozenset((f.path, f.sha256, f.status, f.error) for f in listing.files if f.status not in IN_INDEX)
