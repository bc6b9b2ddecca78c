"""The embed stage: every window of every indexed chunk gets a vector in the embedding cache."""
