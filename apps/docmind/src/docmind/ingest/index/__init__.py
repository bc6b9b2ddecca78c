"""The index stage: chunks and vectors into the segments of the new snapshot's index."""
