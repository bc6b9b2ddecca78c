"""The publish stage: what an ingestion produced, recorded in the snapshot and its summary."""
