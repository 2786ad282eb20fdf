"""One client stream inside the server: what a fragment:data must satisfy to be accepted, the
per-stream counters, and every payload the server sends about it, built as the protocol's pydantic
models (so a payload that does not fit its schema fails here, not at the client)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Optional

from . import protocol as p
from .audio import PcmFormat, frames_to_ns, sha256_hex
from .config import Config
from .engine import FragmentOutcome


def ms(x: float) -> float:
    return round(float(x), 3)


@dataclass
class Pending:
    fragment: p.FragmentData
    received_at: float
    task: asyncio.Task[FragmentOutcome]
    input_sha256: str


@dataclass
class StreamState:
    sid: str
    init: p.StreamInit
    fmt: PcmFormat
    queue: asyncio.Queue[Optional[Pending]] = field(default_factory=asyncio.Queue)
    emitter: Optional[asyncio.Task[None]] = None
    last_seq: Optional[int] = None
    seqs: set[int] = field(default_factory=set)
    fragment_ids: set[str] = field(default_factory=set)
    inflight: int = 0
    ended: bool = False
    received: int = 0
    processed: int = 0
    succeeded: int = 0
    partial: int = 0
    failed: int = 0
    rejected: int = 0
    audio_ns: int = 0
    processing_ms: float = 0.0

    def accept(self, msg: p.FragmentData, audio_ns: int) -> None:
        self.last_seq = msg.sequence_number
        self.seqs.add(msg.sequence_number)
        self.fragment_ids.add(msg.fragment_id)
        self.inflight += 1
        self.received += 1
        self.audio_ns += audio_ns

    def answered(self, status: str, processing_time_ms: float) -> None:
        self.inflight -= 1
        self.processed += 1
        self.processing_ms += processing_time_ms
        if status == "success":
            self.succeeded += 1
        elif status == "partial":
            self.partial += 1
        else:
            self.failed += 1

    def complete(self) -> p.StreamComplete:
        return p.StreamComplete(
            stream_id=self.init.stream_id,
            fragments_received=self.received,
            fragments_processed=self.processed,
            fragments_succeeded=self.succeeded,
            fragments_partial=self.partial,
            fragments_failed=self.failed,
            fragments_rejected=self.rejected,
            total_audio_duration_ns=self.audio_ns,
            total_processing_time_ms=ms(self.processing_ms),
        )


# ---------------------------------------------------------------- fragment:data acceptance


def fragment_ids(msg: p.FragmentData) -> dict[str, Any]:
    return {"stream_id": msg.stream_id, "fragment_id": msg.fragment_id, "sequence_number": msg.sequence_number}


def check_fragment(msg: p.FragmentData, st: Optional[StreamState], config: Config) -> tuple[StreamState, int]:
    """The stream and the audio's duration in ns of an acceptable fragment; else ProtocolError (in
    the order the protocol lists the checks)."""
    ids = fragment_ids(msg)
    if len(msg.audio) > config.max_fragment_bytes:
        raise p.ProtocolError(
            p.ErrorCode.PAYLOAD_TOO_LARGE,
            f"fragment:data: audio is {len(msg.audio)} bytes, max_fragment_bytes is {config.max_fragment_bytes}",
            **ids,
        )
    st = _open_stream(msg, st, ids)
    audio_ns = _audio_ns(msg, st.fmt, config, ids)
    _check_order(msg, st, ids)
    if st.inflight >= config.max_inflight:
        raise p.ProtocolError(
            p.ErrorCode.BACKPRESSURE,
            f"stream {msg.stream_id} already has {st.inflight} fragments in flight (max_inflight="
            f"{config.max_inflight}); retry after the next fragment:processed",
            **ids,
        )
    return st, audio_ns


def _open_stream(msg: p.FragmentData, st: Optional[StreamState], ids: dict[str, Any]) -> StreamState:
    if st is None:
        raise p.ProtocolError(
            p.ErrorCode.STREAM_NOT_INITIALIZED,
            f"fragment:data: stream {msg.stream_id} is not initialised on this connection (send stream:init first)",
            **ids,
        )
    if st.ended:
        raise p.ProtocolError(
            p.ErrorCode.STREAM_ENDED, f"fragment:data: stream {msg.stream_id} has ended (stream:end received)", **ids
        )
    return st


def _audio_ns(msg: p.FragmentData, fmt: PcmFormat, config: Config, ids: dict[str, Any]) -> int:
    if len(msg.audio) == 0:
        raise p.ProtocolError(p.ErrorCode.INVALID_PAYLOAD, "fragment:data: 'audio' is empty", **ids)
    if len(msg.audio) % fmt.bytes_per_frame:
        raise p.ProtocolError(
            p.ErrorCode.INVALID_PAYLOAD,
            f"fragment:data: 'audio' is {len(msg.audio)} bytes, not a whole number of frames "
            f"({fmt.bytes_per_frame} bytes per frame for {fmt.channels} channel(s) {fmt.sample_format})",
            **ids,
        )
    frames = fmt.frames(msg.audio)
    actual_ns = frames_to_ns(frames, fmt.sample_rate)
    if abs(actual_ns - msg.duration_ns) > config.duration_tolerance_ns:
        raise p.ProtocolError(
            p.ErrorCode.INVALID_PAYLOAD,
            f"fragment:data: duration_ns {msg.duration_ns} does not match the audio ({frames} frames at "
            f"{fmt.sample_rate} Hz = {actual_ns} ns; tolerance {config.duration_tolerance_ns} ns)",
            **ids,
        )
    return actual_ns


def _check_order(msg: p.FragmentData, st: StreamState, ids: dict[str, Any]) -> None:
    if msg.sequence_number in st.seqs:
        raise p.ProtocolError(
            p.ErrorCode.DUPLICATE_FRAGMENT,
            f"fragment:data: sequence_number {msg.sequence_number} already accepted",
            **ids,
        )
    if msg.fragment_id in st.fragment_ids:
        raise p.ProtocolError(
            p.ErrorCode.DUPLICATE_FRAGMENT, f"fragment:data: fragment_id {msg.fragment_id} already accepted", **ids
        )
    if st.last_seq is not None and msg.sequence_number < st.last_seq:
        raise p.ProtocolError(
            p.ErrorCode.OUT_OF_ORDER,
            f"fragment:data: sequence_number {msg.sequence_number} is lower than the last accepted one ({st.last_seq})",
            **ids,
        )


# ---------------------------------------------------------------- payloads


def ack(msg: p.FragmentData, st: StreamState) -> p.FragmentAck:
    return p.FragmentAck(
        stream_id=msg.stream_id,
        fragment_id=msg.fragment_id,
        sequence_number=msg.sequence_number,
        status="queued",
        inflight=st.inflight,
    )


def processed(st: StreamState, item: Pending, outcome: FragmentOutcome) -> p.FragmentProcessed:
    r = outcome.result
    frag = item.fragment
    error = None
    if r.error is not None:
        code = p.ErrorCode(r.error.code)
        error = p.FragmentError(
            code=code.value, message=r.error.message, stage=r.error.stage, retryable=code in p.RETRYABLE
        )
    return p.FragmentProcessed(
        stream_id=frag.stream_id,
        fragment_id=frag.fragment_id,
        sequence_number=frag.sequence_number,
        pts_ns=frag.pts_ns,
        duration_ns=frag.duration_ns,
        status=r.status,
        transcript=r.transcript,
        translated_text=r.translated_text,
        dubbed_audio=r.pcm,
        dubbed_audio_sha256=sha256_hex(r.pcm),
        sample_rate=st.fmt.sample_rate,
        channels=st.fmt.channels,
        sample_format=st.fmt.sample_format,
        processing_time_ms=ms(outcome.processing_time_ms),
        queue_time_ms=ms(outcome.queue_time_ms),
        stage_timings_ms=p.StageTimings(**{k: ms(r.timings_ms.get(k, 0.0)) for k in ("asr", "translation", "tts")}),
        error=error,
    )


def summary(sid: str, st: StreamState, item: Pending, answer: p.FragmentProcessed) -> p.FragmentSummary:
    fields = answer.model_dump(exclude={"dubbed_audio"})
    fields["stage_timings_ms"] = answer.stage_timings_ms
    fields["error"] = answer.error
    return p.FragmentSummary(
        **fields,
        client_sid=sid,
        input_audio_sha256=item.input_sha256,
        dubbed_audio_bytes=len(answer.dubbed_audio),
        dubbed_duration_ns=frames_to_ns(st.fmt.frames(answer.dubbed_audio), st.fmt.sample_rate),
    )
