"""A synthetic embedding endpoint on loopback: deterministic unit vectors, no model.

``python -m tests.benchmarks.synthetic_endpoint`` serves DocMind's endpoint protocol (an
OpenAI-compatible ``POST /v1/embeddings``: ``{"model", "input": [texts]}`` answered with
``{"data": [{"index", "embedding"}]}``) on 127.0.0.1 at a port the OS chooses, prints one JSON
line ``{"event": "endpoint_ready", "url": ...}`` and serves until it is terminated. Each text's
vector is a unit vector of ``DIMS`` dimensions made from a hash of the text (its SHAKE-128
digest read as signed bytes, normalised): the same text always gets the same vector, in any
batch. Values are sent rounded to ``DECIMALS`` decimals (DocMind normalises what it receives).
An answer costs the server tens of microseconds a text, so the ``vector_scale`` figures measure
DocMind (its HTTP client and JSON parsing included), not a model.

:func:`synthetic_endpoint` starts that server as a subprocess and yields its base URL.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIMS = 384
DECIMALS = 4
MODEL_NAME = "synthetic-384"
READY_TIMEOUT_S = 30


_LEVELS = 10**DECIMALS
_DIGITS = np.array([repr(q / _LEVELS) for q in range(-_LEVELS, _LEVELS + 1)], dtype=object)
"""The JSON text of every value a rounded unit vector can hold (formatting floats one by one is slow)."""


def text_vector(text: str) -> np.ndarray:
    """The unit vector of ``text``: its SHAKE-128 digest as ``DIMS`` signed bytes, normalised."""
    digest = hashlib.shake_128(text.encode("utf-8")).digest(DIMS)
    vector = np.frombuffer(digest, dtype=np.int8).astype(np.float32)
    return vector / np.linalg.norm(vector)


def vector_json(vector: np.ndarray) -> str:
    """``vector`` as a JSON array, each value rounded to ``DECIMALS`` decimals."""
    levels = np.rint(vector * _LEVELS).astype(np.int64) + _LEVELS
    return "[" + ",".join(_DIGITS[levels]) + "]"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: DocMind's client reuses its connection

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        items = ",".join(
            f'{{"object":"embedding","index":{i},"embedding":{vector_json(text_vector(t))}}}'
            for i, t in enumerate(texts)
        )
        model = json.dumps(body.get("model", ""))
        raw = f'{{"object":"list","data":[{items}],"model":{model}}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def synthetic_endpoint() -> Iterator[str]:
    """Run the server in a subprocess; yield its base URL (``http://127.0.0.1:PORT/v1``), then stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.synthetic_endpoint"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the synthetic endpoint exited {proc.wait(READY_TIMEOUT_S)} before serving")
        yield json.loads(line)["url"]
    finally:
        proc.terminate()
        proc.wait(READY_TIMEOUT_S)


def main() -> None:
    """Serve on a free loopback port until terminated."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    print(json.dumps({"event": "endpoint_ready", "url": url}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
