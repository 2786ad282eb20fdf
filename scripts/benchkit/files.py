"""Reading and writing the raw files: missing or unreadable ones are None, JSON is written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_text(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file, one per line; other lines (and a missing file) give none."""
    out = []
    for line in (read_text(path) or "").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
