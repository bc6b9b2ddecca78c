"""DocMind: local document ingestion with background jobs and atomic snapshots."""
