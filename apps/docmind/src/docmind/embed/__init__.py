"""Dense embeddings: which model, how chunks become windows, the embedding cache, the encoders."""
