"""Parsers (pure) of what the bench collects: Prometheus text, JUnit, the STS log, the provisioning
log and RFC 3339 times."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

STAGES = ("asr", "translation", "tts")

_PROM_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$")
_PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _PROM_LINE.match(line)
        if not m:
            continue
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _PROM_LABEL.findall(m.group(3) or "")}
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        out.append((m.group(1), labels, value))
    return out


def prom_value(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float | None:
    for n, lab, v in samples:
        if n == name and all(lab.get(k) == val for k, val in labels.items()):
            return v
    return None


def histogram_mean(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float | None:
    total = prom_value(samples, name + "_sum", **labels)
    count = prom_value(samples, name + "_count", **labels)
    if total is None or not count:
        return None
    return total / count


def parse_junit(text: str) -> dict[str, dict[str, Any]]:
    """{testcase name: {"time_s", "failed", "failure", "properties": {name: value}}}."""
    root = ET.fromstring(text)
    cases = {}
    for tc in root.iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in tc.iter("property")}
        failure = tc.find("failure")
        cases[tc.get("name", "")] = {
            "time_s": float(tc.get("time", "nan")),
            "failed": failure is not None,
            "failure": failure.get("message", "") if failure is not None else "",
            "properties": props,
        }
    return cases


def prop_float(props: dict[str, str], key: str) -> float | None:
    try:
        return float(props[key])
    except (KeyError, ValueError):
        return None


def parse_sts_log(lines: list[str], stream_id: str) -> list[dict[str, Any]]:
    """The STS service's per-fragment "done" log lines (JSON) for one stream, in sequence order."""
    out = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("stage") != "done" or rec.get("stream_id") != stream_id:
            continue
        timings = rec.get("timings_ms") if isinstance(rec.get("timings_ms"), dict) else {}
        out.append(
            {
                "fragment_id": rec.get("fragment_id"),
                "sequence_number": rec.get("sequence_number"),
                "processing_ms": rec.get("processing_time_ms"),
                "queue_ms": rec.get("queue_time_ms"),
                **{f"{k}_ms": timings.get(k) for k in STAGES},
            }
        )
    out.sort(key=lambda r: r["sequence_number"] if isinstance(r["sequence_number"], int) else -1)
    return out


_PROVISION_LINE = re.compile(r"^(base|mediamtx|media-service|sts): (\S+) (.*) \(([0-9.]+)s\)$")


def parse_provision(text: str) -> list[dict[str, Any]]:
    """What scripts/provision-images did per image: [{name, image, action, seconds}]."""
    out = []
    for line in text.splitlines():
        m = _PROVISION_LINE.match(line.strip())
        if m:
            out.append({"name": m.group(1), "image": m.group(2), "action": m.group(3), "seconds": float(m.group(4))})
    return out


def parse_time(text: str | None) -> float | None:
    """RFC 3339 (MediaMTX's readyTime, nanosecond fractions allowed) -> POSIX seconds."""
    if not text:
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return None
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    base = datetime.fromisoformat(m.group(1) + tz).timestamp()
    return base + (float("0" + m.group(2)) if m.group(2) else 0.0)
