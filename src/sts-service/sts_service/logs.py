"""Structured JSON logs, one object per line, tagged with stream_id / fragment_id / stage when known."""

from __future__ import annotations

import json
import logging
import sys
import time

_TAGS = ("stream_id", "fragment_id", "sequence_number", "stage", "sid", "event", "code")
_EXTRA_SKIP = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _EXTRA_SKIP or key.startswith("_"):
                continue
            out[key] = value if key in _TAGS or _plain(value) else repr(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def _plain(v: object) -> bool:
    return isinstance(v, (str, int, float, bool, type(None), list, dict))


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty libraries: keep their warnings only.
    for name in ("aiohttp.access", "engineio", "socketio", "faster_whisper"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
