"""The ingestion engine: scan sources, parse and split in worker processes, index, publish."""
