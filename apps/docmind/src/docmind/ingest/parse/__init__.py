"""The parse stage: bytes to pages to chunks, in worker processes, through the chunk cache."""
