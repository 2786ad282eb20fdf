"""Socket.IO protocol: pydantic models of every payload, and the event names, error codes,
statuses and patterns generated from the JSON Schemas (protocol_gen.py, by docs/protocol/gen-protocol).

docs/protocol.md is the human contract; docs/protocol/schemas/*.schema.json the machine one.
tests/test_contract.py checks that these models and the schemas agree on every shared vector, and
that the generated constants are current.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .protocol_gen import (  # noqa: F401  (re-exported: the constants generated from the schemas)
    CLIENT_EVENTS,
    EV_ERROR,
    EV_FRAGMENT_ACK,
    EV_FRAGMENT_DATA,
    EV_FRAGMENT_PROCESSED,
    EV_MONITOR_FRAGMENT,
    EV_MONITOR_HELLO,
    EV_MONITOR_STREAM_COMPLETED,
    EV_MONITOR_STREAM_STARTED,
    EV_STREAM_COMPLETE,
    EV_STREAM_END,
    EV_STREAM_INIT,
    EV_STREAM_READY,
    ID_PATTERN,
    LANG_PATTERN,
    PROTOCOL_VERSION,
    RETRYABLE,
    ErrorCode,
    ErrorCodeName,
    Mode,
    Stage,
    Status,
)

NAMESPACE = "/"
MONITOR_NAMESPACE = "/monitor"

# ---------------------------------------------------------------- field types

MAX_INT64 = 2**63 - 1
MAX_SAFE_INT = 2**53 - 1

Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
Language = Annotated[str, Field(pattern=LANG_PATTERN)]
NonNegInt64 = Annotated[int, Field(ge=0, le=MAX_INT64)]
PosInt64 = Annotated[int, Field(gt=0, le=MAX_INT64)]
SequenceNumber = Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]
Millis = Annotated[float, Field(ge=0)]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Strict(BaseModel):
    # strict: no coercion (an int is never accepted where a string is expected, a bool never
    # where an int is); extra='forbid': unknown keys are an error.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# ---------------------------------------------------------------- client -> server


class StreamInit(_Strict):
    stream_id: Identifier
    source_language: Language
    target_language: Language
    sample_rate: Annotated[int, Field(ge=1, le=384000)]
    channels: Annotated[int, Field(ge=1, le=64)]
    sample_format: Annotated[str, Field(pattern=r"^[a-z0-9]{1,16}$")]
    fragment_duration_ns: PosInt64


class FragmentData(_Strict):
    stream_id: Identifier
    fragment_id: Identifier
    sequence_number: SequenceNumber
    pts_ns: NonNegInt64
    duration_ns: PosInt64
    audio: bytes


class StreamEnd(_Strict):
    stream_id: Identifier


# ---------------------------------------------------------------- server -> client


class AcceptedFormat(_Strict):
    sample_rate: int
    channels: int
    sample_format: str
    fragment_duration_ns: int
    source_language: Language
    target_language: Language


class LanguagePair(_Strict):
    source: Language
    target: Language


class Capabilities(_Strict):
    sample_rates: list[int]
    channels: list[int]
    sample_formats: list[str]
    language_pairs: list[LanguagePair]


class Limits(_Strict):
    max_inflight: Annotated[int, Field(ge=1)]
    max_fragment_bytes: Annotated[int, Field(ge=1)]
    max_fragment_duration_ns: PosInt64
    duration_tolerance_ns: NonNegInt64
    processing_timeout_ms: Annotated[int, Field(ge=1)]
    transport_max_message_bytes: Annotated[int, Field(ge=1)]


class ModelNames(_Strict):
    asr: str
    translation: str
    tts: str


class StreamReady(_Strict):
    stream_id: Identifier
    protocol_version: Literal[1]
    mode: Mode
    accepted: AcceptedFormat
    capabilities: Capabilities
    limits: Limits
    models: ModelNames


class FragmentAck(_Strict):
    stream_id: Identifier
    fragment_id: Identifier
    sequence_number: SequenceNumber
    status: Literal["queued"]
    inflight: Annotated[int, Field(ge=1)]


class StageTimings(_Strict):
    asr: Millis
    translation: Millis
    tts: Millis


class FragmentError(_Strict):
    code: ErrorCodeName
    message: str
    stage: Stage
    retryable: bool


class FragmentProcessed(_Strict):
    stream_id: Identifier
    fragment_id: Identifier
    sequence_number: SequenceNumber
    pts_ns: NonNegInt64
    duration_ns: PosInt64
    status: Status
    transcript: str
    translated_text: str
    dubbed_audio: bytes
    dubbed_audio_sha256: Sha256Hex
    sample_rate: int
    channels: int
    sample_format: str
    processing_time_ms: Millis
    queue_time_ms: Millis
    stage_timings_ms: StageTimings
    error: Optional[FragmentError]


class StreamComplete(_Strict):
    stream_id: Identifier
    fragments_received: Annotated[int, Field(ge=0)]
    fragments_processed: Annotated[int, Field(ge=0)]
    fragments_succeeded: Annotated[int, Field(ge=0)]
    fragments_partial: Annotated[int, Field(ge=0)]
    fragments_failed: Annotated[int, Field(ge=0)]
    fragments_rejected: Annotated[int, Field(ge=0)]
    total_audio_duration_ns: NonNegInt64
    total_processing_time_ms: Millis


class ErrorDetail(_Strict):
    loc: str
    msg: str


class ErrorEvent(_Strict):
    code: ErrorCodeName
    message: str
    retryable: bool
    stream_id: Optional[str] = None
    fragment_id: Optional[str] = None
    sequence_number: Optional[int] = None
    event: Optional[str] = None
    details: Optional[list[ErrorDetail]] = None


# ---------------------------------------------------------------- /monitor


class FragmentSummary(_Strict):
    client_sid: str
    stream_id: Identifier
    fragment_id: Identifier
    sequence_number: SequenceNumber
    pts_ns: NonNegInt64
    duration_ns: PosInt64
    status: Status
    transcript: str
    translated_text: str
    input_audio_sha256: Sha256Hex
    dubbed_audio_bytes: Annotated[int, Field(ge=0)]
    dubbed_audio_sha256: Sha256Hex
    dubbed_duration_ns: NonNegInt64
    sample_rate: int
    channels: int
    sample_format: str
    processing_time_ms: Millis
    queue_time_ms: Millis
    stage_timings_ms: StageTimings
    error: Optional[FragmentError]


class StreamStarted(StreamInit):
    client_sid: str


class MonitorHello(_Strict):
    protocol_version: Literal[1]
    mode: Mode
    models: ModelNames
    recent: list[FragmentSummary]


# ---------------------------------------------------------------- helpers

CLIENT_MODELS: dict[str, type[_Strict]] = {
    EV_STREAM_INIT: StreamInit,
    EV_FRAGMENT_DATA: FragmentData,
    EV_STREAM_END: StreamEnd,
}

SERVER_MODELS: dict[str, type[_Strict]] = {
    EV_STREAM_READY: StreamReady,
    EV_FRAGMENT_ACK: FragmentAck,
    EV_FRAGMENT_PROCESSED: FragmentProcessed,
    EV_STREAM_COMPLETE: StreamComplete,
    EV_ERROR: ErrorEvent,
}

MONITOR_MODELS: dict[str, type[_Strict]] = {
    EV_MONITOR_HELLO: MonitorHello,
    EV_MONITOR_STREAM_STARTED: StreamStarted,
    EV_MONITOR_FRAGMENT: FragmentSummary,
    EV_MONITOR_STREAM_COMPLETED: StreamComplete,
}


class ProtocolError(Exception):
    """A payload that must be answered with an `error` event."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        details: list[dict[str, str]] | None = None,
        stream_id: str | None = None,
        fragment_id: str | None = None,
        sequence_number: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.stream_id = stream_id
        self.fragment_id = fragment_id
        self.sequence_number = sequence_number

    def to_event(self, event: str | None = None) -> ErrorEvent:
        return error_event(
            self.code,
            self.message,
            event=event,
            stream_id=self.stream_id,
            fragment_id=self.fragment_id,
            sequence_number=self.sequence_number,
            details=self.details,
        )


def error_event(
    code: ErrorCode,
    message: str,
    *,
    event: str | None = None,
    stream_id: str | None = None,
    fragment_id: str | None = None,
    sequence_number: int | None = None,
    details: list[dict[str, str]] | None = None,
) -> ErrorEvent:
    return ErrorEvent(
        code=code.value,
        message=message,
        retryable=code in RETRYABLE,
        event=event,
        stream_id=stream_id,
        fragment_id=fragment_id,
        sequence_number=sequence_number,
        details=[ErrorDetail(**d) for d in details] if details else None,
    )


def unauthorized() -> Exception:
    """The refusal of a connection without the right token (its data is an `error` payload)."""
    import socketio

    err = error_event(ErrorCode.UNAUTHORIZED, "missing or invalid auth token")
    return socketio.exceptions.ConnectionRefusedError(err.code, dump(err))


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) if loc else "(payload)"


def _describe(err: dict[str, Any]) -> str:
    loc = _loc(tuple(err.get("loc", ())))
    typ = err.get("type", "")
    if typ == "extra_forbidden":
        return f"unknown key '{loc}'"
    if typ == "missing":
        return f"missing required key '{loc}'"
    inp = err.get("input")
    shown = ""
    if not isinstance(inp, (bytes, bytearray, dict, list)):
        shown = f" (got {json.dumps(inp) if _jsonable(inp) else type(inp).__name__})"
    elif isinstance(inp, (bytes, bytearray)):
        shown = f" (got {len(inp)} bytes)"
    else:
        shown = f" (got {type(inp).__name__})"
    return f"'{loc}': {err.get('msg', 'invalid')}{shown}"


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
        return True
    except (TypeError, ValueError):
        return False


def parse_payload(model: type[_Strict], args: tuple[Any, ...], event: str) -> Any:
    """Validate the arguments of a received event; raise ProtocolError(INVALID_PAYLOAD) with a
    precise message (every failing key and rule) when they do not fit."""
    if len(args) != 1:
        raise ProtocolError(
            ErrorCode.INVALID_PAYLOAD,
            f"{event}: expected exactly one payload argument, got {len(args)}",
        )
    data = args[0]
    ids = {}
    if isinstance(data, dict):
        for key in ("stream_id", "fragment_id", "sequence_number"):
            v = data.get(key)
            if key == "sequence_number":
                if isinstance(v, int) and not isinstance(v, bool):
                    ids[key] = v
            elif isinstance(v, str) and len(v) <= 256:
                ids[key] = v
    else:
        raise ProtocolError(
            ErrorCode.INVALID_PAYLOAD,
            f"{event}: payload must be a JSON object, got {type(data).__name__}",
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        details = [{"loc": _loc(tuple(e.get("loc", ()))), "msg": _describe(e)} for e in errs]
        msg = f"{event}: " + "; ".join(d["msg"] for d in details)
        raise ProtocolError(ErrorCode.INVALID_PAYLOAD, msg, details=details, **ids) from None


def dump(model: BaseModel) -> dict[str, Any]:
    """Payload dict for emitting (binary fields stay bytes; python-socketio turns them into
    attachments). The optional keys of an `error` event are left out when unset; every other
    payload has all its keys (`error: null` included)."""
    return model.model_dump(mode="python", exclude_none=isinstance(model, ErrorEvent))


def bytes_per_sample(sample_format: str) -> int:
    return {"s16le": 2, "f32le": 4}[sample_format]
