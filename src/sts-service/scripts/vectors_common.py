"""Shared payloads and helpers of gen-vectors (docs/protocol/vectors): the limits, the usual
stream:init / fragment:data / server payloads, and the vector constructors."""

from __future__ import annotations

import math
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STS = HERE.parent
sys.path.insert(0, str(STS))  # sts_service, for every vectors_* module (imported first)

from socketio import packet as P  # noqa: E402, F401  (re-exported to vectors_wire)

from sts_service import wire  # noqa: E402, F401  (re-exported to vectors_wire)
from sts_service.config import Config  # noqa: E402

REPO = STS.parent.parent
OUT = REPO / "docs" / "protocol" / "vectors"

CFG = Config()
LIMITS = {
    "max_inflight": CFG.max_inflight,
    "max_fragment_bytes": CFG.max_fragment_bytes,
    "max_fragment_duration_ns": CFG.max_fragment_duration_ns,
    "duration_tolerance_ns": CFG.duration_tolerance_ns,
    "processing_timeout_ms": int(CFG.processing_timeout_s * 1000),
    "transport_max_message_bytes": CFG.transport_max_message_bytes,
}


def sine_s16(frames: int, rate: int = 48000, freq: float = 1000.0, amp: float = 0.25, channels: int = 1) -> bytes:
    out = bytearray()
    for i in range(frames):
        v = round(amp * 32767 * math.sin(2 * math.pi * freq * i / rate))
        out += struct.pack("<h", v) * channels
    return bytes(out)


def sha(b: bytes) -> str:
    import hashlib

    return hashlib.sha256(b).hexdigest()


INIT = {
    "stream_id": "live-test-1",
    "source_language": "en",
    "target_language": "es",
    "sample_rate": 48000,
    "channels": 1,
    "sample_format": "s16le",
    "fragment_duration_ns": 6_000_000_000,
}
PCM10 = sine_s16(480)  # 10 ms, 48 kHz mono s16le: 960 bytes
FRAG = {
    "stream_id": "live-test-1",
    "fragment_id": "live-test-1-0000",
    "sequence_number": 0,
    "pts_ns": 0,
    "duration_ns": 10_000_000,
    "audio": {"_binary_hex": PCM10.hex()},
}
DUB10 = sine_s16(480, freq=440.0, amp=0.2)
TIMINGS = {"asr": 1630.2, "translation": 121.77, "tts": 459.01}
MODELS = {"asr": "faster-whisper small (int8)", "translation": "apertium eng-spa", "tts": "espeak-ng es"}


def with_(base: dict, **kw) -> dict:
    out = dict(base)
    for k, v in kw.items():
        if v is ...:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def c2s(name, description, event, payload, *, valid, schema_valid=None, code=None, context="init"):
    v = {
        "name": name,
        "description": description,
        "direction": "client_to_server",
        "namespace": "/",
        "event": event,
        "payload": payload,
        "valid": valid,
        "schema_valid": valid if schema_valid is None else schema_valid,
    }
    if code:
        v["expected_error_code"] = code
    if event in ("fragment:data", "stream:end"):
        v["context"] = {"stream_init": INIT if context == "init" else None}
    return v


def s2c(name, description, event, payload, *, valid=True, namespace="/"):
    return {
        "name": name,
        "description": description,
        "direction": "server_to_client",
        "namespace": namespace,
        "event": event,
        "payload": payload,
        "valid": valid,
        "schema_valid": valid,
    }


READY = {
    "stream_id": "live-test-1",
    "protocol_version": 1,
    "mode": "real",
    "accepted": {
        k: INIT[k]
        for k in (
            "sample_rate",
            "channels",
            "sample_format",
            "fragment_duration_ns",
            "source_language",
            "target_language",
        )
    },
    "capabilities": {
        "sample_rates": [8000, 16000, 22050, 24000, 32000, 44100, 48000],
        "channels": [1, 2],
        "sample_formats": ["s16le", "f32le"],
        "language_pairs": [{"source": "en", "target": "es"}],
    },
    "limits": LIMITS,
    "models": MODELS,
}
ACK = {
    "stream_id": "live-test-1",
    "fragment_id": "live-test-1-0000",
    "sequence_number": 0,
    "status": "queued",
    "inflight": 1,
}
PROCESSED = {
    "stream_id": "live-test-1",
    "fragment_id": "live-test-1-0000",
    "sequence_number": 0,
    "pts_ns": 0,
    "duration_ns": 10_000_000,
    "status": "success",
    "transcript": "One, two, three.",
    "translated_text": "Uno, dos, tres.",
    "dubbed_audio": {"_binary_hex": DUB10.hex()},
    "dubbed_audio_sha256": sha(DUB10),
    "sample_rate": 48000,
    "channels": 1,
    "sample_format": "s16le",
    "processing_time_ms": 2211.317,
    "queue_time_ms": 0.112,
    "stage_timings_ms": TIMINGS,
    "error": None,
}
PROCESSED_FAILED = with_(
    PROCESSED,
    status="failed",
    transcript="",
    translated_text="",
    dubbed_audio={"_binary_hex": PCM10.hex()},
    dubbed_audio_sha256=sha(PCM10),
    stage_timings_ms={"asr": 30000.0, "translation": 0.0, "tts": 0.0},
    processing_time_ms=30000.0,
    error={
        "code": "PROCESSING_TIMEOUT",
        "message": "fragment not processed within PROCESSING_TIMEOUT=30 s",
        "stage": "pipeline",
        "retryable": True,
    },
)
PROCESSED_PARTIAL = with_(
    PROCESSED,
    status="partial",
    translated_text="",
    dubbed_audio={"_binary_hex": PCM10.hex()},
    dubbed_audio_sha256=sha(PCM10),
    stage_timings_ms={"asr": 1630.2, "translation": 3.5, "tts": 0.0},
    error={
        "code": "STAGE_FAILED",
        "message": "translation failed: apertium eng-spa failed (1): ...",
        "stage": "translation",
        "retryable": True,
    },
)
COMPLETE = {
    "stream_id": "live-test-1",
    "fragments_received": 5,
    "fragments_processed": 5,
    "fragments_succeeded": 5,
    "fragments_partial": 0,
    "fragments_failed": 0,
    "fragments_rejected": 1,
    "total_audio_duration_ns": 30_000_000_000,
    "total_processing_time_ms": 10901.5,
}
ERR_BP = {
    "code": "BACKPRESSURE",
    "message": "stream live-test-1 already has 3 fragments in flight (max_inflight=3); retry after the next "
    "fragment:processed",
    "retryable": True,
    "event": "fragment:data",
    "stream_id": "live-test-1",
    "fragment_id": "live-test-1-0003",
    "sequence_number": 3,
}
ERR_INVALID = {
    "code": "INVALID_PAYLOAD",
    "message": "stream:init: 'sample_rate': Input should be a valid integer (got \"48000\")",
    "retryable": False,
    "event": "stream:init",
    "stream_id": "live-test-1",
    "details": [{"loc": "sample_rate", "msg": "'sample_rate': Input should be a valid integer (got \"48000\")"}],
}
SUMMARY = {k: v for k, v in PROCESSED.items() if k != "dubbed_audio"}
SUMMARY.update(
    {
        "client_sid": "Jx1mIbG2zH8AAAAB",
        "input_audio_sha256": sha(PCM10),
        "dubbed_audio_bytes": 960,
        "dubbed_duration_ns": 10_000_000,
    }
)
