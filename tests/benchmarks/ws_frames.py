"""Streamlit fragment round trips timed in the browser, from the page's own websocket frames.

``INIT_SCRIPT`` wraps the page's ``WebSocket`` before Streamlit loads: every frame sent or received is
logged with ``performance.now()`` (a received one before Streamlit's own handler sees it) and its
bytes. ``fragment_round_trips`` decodes the log with Streamlit's protobuf messages: a ``BackMsg``
``rerun_script`` naming a fragment (the job panel's ``run_every`` poll) opens a round trip, the next
``ForwardMsg`` ``script_finished`` with ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY`` closes it. What is
timed is the browser's wait: network, the server's queue and the fragment's run, not the painting.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

INIT_SCRIPT = """
(() => {
  const log = [];
  window.__docmindFrames = log;
  const bytes = (data) => {
    const view = data instanceof ArrayBuffer ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let text = '';
    for (let i = 0; i < view.length; i++) text += String.fromCharCode(view[i]);
    return btoa(text);
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') log.push(['in', performance.now(), bytes(event.data)]);
      });
    }
    send(data) {
      if (typeof data !== 'string') log.push(['out', performance.now(), bytes(data)]);
      super.send(data);
    }
  };
})();
"""

Frame = tuple[str, float, bytes]
"""Direction ("in" or "out"), the page's ``performance.now()`` in ms, the frame's bytes."""


def take_frames(page: Any) -> list[Frame]:
    """The frames logged since the last call (the log is emptied)."""
    raw = page.evaluate("() => window.__docmindFrames.splice(0)")
    return [(way, float(at), base64.b64decode(data)) for way, at, data in raw]


def page_now(page: Any) -> float:
    """The page's ``performance.now()`` (ms), the clock the frames are logged on."""
    return float(page.evaluate("() => performance.now()"))


def fragment_round_trips(frames: Sequence[Frame], windows: Sequence[tuple[float, float]]) -> list[float]:
    """Seconds from each fragment rerun request to its finish, for requests sent inside ``windows``."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    trips: list[float] = []
    opened: float | None = None
    for way, at, data in frames:
        if way == "out":
            message = BackMsg.FromString(data)
            if message.WhichOneof("type") == "rerun_script" and message.rerun_script.fragment_id:
                opened = at if any(start <= at <= end for start, end in windows) else None
            continue
        if opened is None:
            continue
        reply = ForwardMsg.FromString(data)
        if (
            reply.WhichOneof("type") == "script_finished"
            and reply.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        ):
            trips.append((at - opened) / 1000)
            opened = None
    return trips
