"""The one stream-name rule (docs/protocol/vectors/stream_names.json; C++: dub::sts::stream_name).

A stream is published at live/<name>/in, dubbed to live/<name>/out, and known to the STS service as
stream_id(<name>). Names: parts of letters, digits, '.', '_', '-', '~' joined by '/', no "..", at
most 200 characters."""

from __future__ import annotations

import re
from typing import Optional

MAX_LENGTH = 200
_NAME = re.compile(r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*")
_PATH = re.compile(r"/?live/(.+)/in/?")
_NOT_ID = re.compile(r"[^A-Za-z0-9._:/@+-]")


def valid(name: str) -> bool:
    return 0 < len(name) <= MAX_LENGTH and ".." not in name and _NAME.fullmatch(name) is not None


def parse(name_or_path: str) -> Optional[str]:
    """'live/<name>/in' or a bare name -> the name; None when it breaks the rule."""
    m = _PATH.fullmatch(name_or_path)
    name = m.group(1) if m else name_or_path
    return name if valid(name) else None


def input_path(name: str) -> str:
    return f"live/{name}/in"


def output_path(name: str) -> str:
    return f"live/{name}/out"


def sanitize_id(text: str) -> str:
    """Any text as a protocol identifier: characters outside [A-Za-z0-9._:/@+-] become '_', cut to 256."""
    return (_NOT_ID.sub("_", text) or "_")[:256]


def stream_id(name: str) -> str:
    return sanitize_id(name)
