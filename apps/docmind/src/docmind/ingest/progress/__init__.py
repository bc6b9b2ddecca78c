"""Progress of an ingestion: counts, throughput, in-flight items, per-task notes and the ETA."""
