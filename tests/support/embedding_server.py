"""A real OpenAI-compatible ``/v1/embeddings`` server on loopback, backed by the packaged model.

It stands for the embedding servers people run (Ollama, TEI, vLLM) and can be told to misbehave
after a number of requests: answer HTTP 500, or answer vectors of another size. It can also be
"restarted with another model" at the same address (``other_model``: the packaged model's vectors
with their dimensions shuffled and half their signs flipped, a model of the same size whose vectors
mean something else) or add float noise to every answer (``jitter``), as a server batching requests
on a GPU does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from docmind.embed.encoders import TorchEncoder
from docmind.embed.spec import DEFAULT_MODEL_NAME, EmbedSpec, packaged_model_dir


@dataclass
class Behaviour:
    """How the server answers: ``fail_after`` / ``resize_after`` requests (``None``: never).

    ``other_model`` and ``jitter`` may be changed between requests (a restart behind the same URL).
    """

    fail_after: int | None = None
    resize_after: int | None = None
    other_model: bool = False
    jitter: float = 0.0
    requests: int = 0
    texts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_encoder: TorchEncoder | None = None
_SHUFFLE = np.random.default_rng(7).permutation(384)
_SIGNS = np.where(np.arange(384) % 2 == 0, 1.0, -1.0).astype(np.float32)


def _model() -> TorchEncoder:
    global _encoder
    if _encoder is None:
        folder = packaged_model_dir()
        spec = EmbedSpec("local", str(folder), "", DEFAULT_MODEL_NAME, "test", 256, 32, folder)
        _encoder = TorchEncoder(spec)
    return _encoder


def _handler(behaviour: Behaviour) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            with behaviour.lock:
                behaviour.requests += 1
                count = behaviour.requests
            if behaviour.fail_after is not None and count > behaviour.fail_after:
                self._send(500, {"error": "model crashed"})
                return
            vectors = _model().encode(texts)
            if behaviour.other_model:
                vectors = vectors[:, _SHUFFLE] * _SIGNS
            if behaviour.jitter:
                vectors = vectors + np.random.default_rng().normal(0, behaviour.jitter, vectors.shape)
            if behaviour.resize_after is not None and count > behaviour.resize_after:
                vectors = np.hstack([vectors, vectors])
            with behaviour.lock:
                behaviour.texts += len(texts)
            data = [
                {"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)
            ]
            self._send(200, {"object": "list", "data": data, "model": body.get("model", "")})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


@contextmanager
def embedding_server(behaviour: Behaviour) -> Iterator[str]:
    """Serve on a free loopback port; yields the base URL (``http://127.0.0.1:PORT/v1``)."""
    _model()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(behaviour))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
