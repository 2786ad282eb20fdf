#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the protocol vectors
(docs/protocol/vectors/wire.json, events.json) and the scenario files (scenarios/*.yaml).

Run it when those change; scripts/fuzz uses what is checked in. Seeds are named by their content's
hash, as libFuzzer names the inputs it adds, so a rerun only adds files.
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
PLACEHOLDER = {"_placeholder": True, "num": 0}


def write(target: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)  # the content hash as name, like libFuzzer


def placeholders(value):
    """The vectors' binary conventions ({"_binary_hex"}, {"_binary_zeros"}) as a codec placeholder."""
    if isinstance(value, dict):
        if "_binary_hex" in value or "_binary_zeros" in value:
            return PLACEHOLDER
        return {k: placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [placeholders(v) for v in value]
    return value


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def sio_codec() -> None:
    wire = json.loads((ROOT / "docs/protocol/vectors/wire.json").read_text())
    for vector in wire["vectors"]:
        frames = []
        for frame in vector["frames"]:
            if frame["type"] == "text":
                text = frame["data"].encode()
                write("sio_codec", text)  # the Engine.IO frame
                if text.startswith(b"4"):
                    write("sio_codec", text[1:])  # the Socket.IO packet inside
                    frames.append(text[1:])
            else:
                frames.append(b"B" + bytes.fromhex(frame["hex"]))
        if len(frames) > 1:
            write("sio_codec", b"\0".join(frames))  # a Decoder stream: text, then its attachments


def sts_decoders() -> None:
    events = json.loads((ROOT / "docs/protocol/vectors/events.json").read_text())
    for vector in events["vectors"]:
        write("sts_decoders", compact(placeholders(vector["payload"])))
    wire = json.loads((ROOT / "docs/protocol/vectors/wire.json").read_text())
    for vector in wire["vectors"]:
        data = vector["decoded"].get("data")
        if isinstance(data, list) and len(data) > 1:
            write("sts_decoders", compact(placeholders(data[1])))


def scenario() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        write("scenario", path.read_bytes())


def main() -> int:
    sio_codec()
    sts_decoders()
    scenario()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus: {total} bytes under {CORPUS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
