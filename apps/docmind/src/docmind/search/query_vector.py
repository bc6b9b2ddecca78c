"""A query's vector from the snapshot's own embedder, or one line saying why there is none.

A snapshot is searched with the embedder it was built with (``corpus.json``). That embedder can be
gone since: its model folder deleted or damaged, its endpoint down, or the endpoint now serving
another model under the same address and name. An endpoint's query goes out with the canary text
(``docmind.embed.identity``) in the same request; an answer to the canary that is not the one the
snapshot recorded means the vectors would not be comparable, and the query is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from docmind.embed.encoders import EmbedRequestError, encoder_for, query_encoder_for
from docmind.embed.identity import CANARY_TEXT, canary_matches
from docmind.embed.spec import EmbedderUnavailableError, EmbedSpec


def query_vector(spec: EmbedSpec, query: str) -> np.ndarray:
    """The normalised vector of ``query`` from the embedder ``spec`` of a snapshot.

    Raises:
        EmbedderUnavailableError: the embedder cannot embed the query, or now answers for another
            model; the message is one line naming why.
    """
    if spec.kind == "local":
        folder = Path(spec.model)
        if not (folder / "modules.json").is_file():
            raise EmbedderUnavailableError(f"the embedding model folder of this snapshot is gone ({folder})")
        try:
            encoder = query_encoder_for(spec)
        except Exception as exc:  # whatever a damaged folder makes the model library raise
            reason = f"{folder}: {type(exc).__name__}"
            raise EmbedderUnavailableError(
                f"the embedding model of this snapshot cannot be loaded ({reason})"
            ) from exc
        return encoder.encode([query])[0]
    texts = [CANARY_TEXT, query] if spec.canary else [query]
    try:
        vectors = encoder_for(spec).encode(texts)
    except EmbedRequestError as exc:
        raise EmbedderUnavailableError(str(exc)) from exc
    if spec.canary and not canary_matches(spec, vectors[0]):
        other = f"another model than this snapshot's {spec.name}"
        raise EmbedderUnavailableError(f"the embedding endpoint {spec.url} now answers with {other}")
    return vectors[-1]
