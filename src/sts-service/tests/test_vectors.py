"""The shared rule vectors of docs/protocol/vectors (frames -> ns, the s16le codec, stream names,
transcript normalisation): the Python side. The C++ side runs the same files in
tests/libdub/sts_vectors_test.cpp (and dubctl's wer_test for normalise.json)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_json

from sts_service import stream_name
from sts_service.audio import AudioError, PcmFormat, decode_pcm, encode_pcm, frames_to_ns
from sts_service.text import normalise_for_compare

FRAMES = load_json("vectors", "frames_ns.json")["vectors"]
PCM = load_json("vectors", "pcm_s16le.json")
NAMES = load_json("vectors", "stream_names.json")
NORMALISE = load_json("vectors", "normalise.json")["vectors"]
MONO = PcmFormat(48000, 1, "s16le")


@pytest.mark.parametrize("v", FRAMES, ids=lambda v: f"{v['frames']}@{v['rate']}")
def test_frames_to_ns(v):
    assert frames_to_ns(v["frames"], v["rate"]) == v["ns"]
    if v["rate"] > 0:
        assert PcmFormat(v["rate"], 1, "s16le").duration_ns(v["frames"]) == v["ns"]


@pytest.mark.parametrize("v", PCM["bytes"], ids=lambda v: v["hex"] or "empty")
def test_s16le_bytes(v):
    data = bytes.fromhex(v["hex"])
    samples = np.asarray(v["samples"], dtype=np.int64)
    assert np.array_equal(np.round(decode_pcm(data, MONO)[:, 0] * 32768).astype(np.int64), samples)
    assert encode_pcm((samples / 32768.0).astype(np.float32), MONO) == data


@pytest.mark.parametrize("hex_", PCM["invalid_hex"])
def test_s16le_odd_byte_count_is_refused(hex_):
    with pytest.raises((AudioError, ValueError)):
        decode_pcm(bytes.fromhex(hex_), MONO)


@pytest.mark.parametrize("v", PCM["to_float"], ids=lambda v: str(v["sample"]))
def test_s16le_to_float(v):
    data = np.asarray([v["sample"]], dtype="<i2").tobytes()
    assert float(decode_pcm(data, MONO)[0, 0]) == v["value"]


@pytest.mark.parametrize("v", PCM["from_float"], ids=lambda v: str(v["value"]))
def test_s16le_from_float(v):
    data = encode_pcm(np.asarray([v["value"]], dtype=np.float32), MONO)
    assert int(np.frombuffer(data, dtype="<i2")[0]) == v["sample"]


@pytest.mark.parametrize("v", NAMES["parse"], ids=lambda v: v["input"][:20] or "empty")
def test_stream_name_parse(v):
    assert stream_name.parse(v["input"]) == v["name"]


@pytest.mark.parametrize("v", NAMES["paths"], ids=lambda v: v["name"])
def test_stream_name_paths(v):
    assert stream_name.input_path(v["name"]) == v["in"]
    assert stream_name.output_path(v["name"]) == v["out"]
    assert stream_name.stream_id(v["name"]) == v["stream_id"]


@pytest.mark.parametrize("v", NORMALISE, ids=lambda v: v["input"][:20] or "empty")
def test_normalise_for_compare(v):
    assert normalise_for_compare(v["input"]) == v["expected"]
