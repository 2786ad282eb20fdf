"""events.json of gen-vectors: every payload, valid or not, with the service's expected answer."""

from __future__ import annotations

from vectors_common import (
    ACK,
    COMPLETE,
    ERR_BP,
    ERR_INVALID,
    FRAG,
    INIT,
    LIMITS,
    MODELS,
    PCM10,
    PROCESSED,
    PROCESSED_FAILED,
    PROCESSED_PARTIAL,
    READY,
    SUMMARY,
    c2s,
    s2c,
    with_,
)


def _event_vectors_1(v: list[dict]) -> None:
    # ---- client -> server, valid
    v.append(c2s("stream_init_48k_mono_s16", "The media service's usual stream:init.", "stream:init", INIT, valid=True))
    v.append(
        c2s(
            "stream_init_16k_stereo_f32",
            "Other supported format.",
            "stream:init",
            with_(
                INIT,
                stream_id="cam/2@studio+b",
                sample_rate=16000,
                channels=2,
                sample_format="f32le",
                source_language="en",
                target_language="es",
            ),
            valid=True,
        )
    )
    v.append(
        c2s(
            "fragment_data_10ms",
            "10 ms of 1 kHz sine, 48 kHz mono s16le (960 bytes) as a binary attachment.",
            "fragment:data",
            FRAG,
            valid=True,
        )
    )
    v.append(
        c2s(
            "fragment_data_large_pts",
            "pts_ns near the int64 limit is fine.",
            "fragment:data",
            with_(FRAG, pts_ns=9_223_372_036_854_775_807, sequence_number=9_007_199_254_740_991),
            valid=True,
        )
    )
    v.append(c2s("stream_end", "End of the stream.", "stream:end", {"stream_id": "live-test-1"}, valid=True))


def _event_vectors_2(v: list[dict]) -> None:
    # ---- client -> server, structurally invalid (schema and pydantic both reject)
    bad = [
        ("stream_init_missing_stream_id", "stream_id is required.", with_(INIT, stream_id=...)),
        ("stream_init_sample_rate_string", "Numbers must be JSON numbers.", with_(INIT, sample_rate="48000")),
        ("stream_init_sample_rate_float", "Integers must not have a fraction.", with_(INIT, sample_rate=48000.5)),
        ("stream_init_channels_bool", "A boolean is not an integer.", with_(INIT, channels=True)),
        ("stream_init_unknown_key", "Unknown keys are rejected (strict payloads).", with_(INIT, codec="aac")),
        ("stream_init_bad_stream_id", "Identifiers allow [A-Za-z0-9._:/@+-] only.", with_(INIT, stream_id="live test")),
        ("stream_init_empty_stream_id", "Identifiers are 1..256 characters.", with_(INIT, stream_id="")),
        ("stream_init_upper_case_language", "Languages are lower-case codes.", with_(INIT, source_language="EN")),
        (
            "stream_init_zero_fragment_duration",
            "fragment_duration_ns must be > 0.",
            with_(INIT, fragment_duration_ns=0),
        ),
        ("stream_init_camel_case", "Keys are snake_case.", with_(INIT, sample_rate=..., sampleRate=48000)),
    ]
    for name, desc, payload in bad:
        v.append(c2s(name, desc, "stream:init", payload, valid=False, code="INVALID_PAYLOAD"))
    v.append(
        c2s(
            "stream_init_not_object",
            "The payload must be a JSON object.",
            "stream:init",
            ["live-test-1"],
            valid=False,
            code="INVALID_PAYLOAD",
        )
    )
    badf = [
        (
            "fragment_data_audio_base64",
            "Audio must be a binary attachment, never base64 text.",
            with_(FRAG, audio="AAAA"),
        ),
        ("fragment_data_missing_audio", "audio is required.", with_(FRAG, audio=...)),
        ("fragment_data_negative_pts", "pts_ns >= 0.", with_(FRAG, pts_ns=-1)),
        ("fragment_data_zero_duration", "duration_ns > 0.", with_(FRAG, duration_ns=0)),
        ("fragment_data_float_sequence", "sequence_number is an integer.", with_(FRAG, sequence_number=1.5)),
        ("fragment_data_negative_sequence", "sequence_number >= 0.", with_(FRAG, sequence_number=-1)),
        ("fragment_data_pts_as_ms", "Times are *_ns; other keys are unknown.", with_(FRAG, pts_ns=..., pts_ms=0)),
    ]
    for name, desc, payload in badf:
        v.append(c2s(name, desc, "fragment:data", payload, valid=False, code="INVALID_PAYLOAD"))


def _event_vectors_3(v: list[dict]) -> None:
    v.append(
        c2s(
            "stream_end_missing_stream_id",
            "stream_id is required.",
            "stream:end",
            {},
            valid=False,
            code="INVALID_PAYLOAD",
        )
    )
    # ---- client -> server, well-formed but refused by the service's rules
    sem = [
        (
            "stream_init_unsupported_rate",
            "11025 Hz is not supported.",
            with_(INIT, sample_rate=11025),
            "UNSUPPORTED_FORMAT",
        ),
        ("stream_init_three_channels", "Only mono and stereo.", with_(INIT, channels=3), "UNSUPPORTED_FORMAT"),
        ("stream_init_s24le", "Only s16le and f32le.", with_(INIT, sample_format="s24le"), "UNSUPPORTED_FORMAT"),
        (
            "stream_init_fr_de",
            "Only en->es is installed.",
            with_(INIT, source_language="fr", target_language="de"),
            "UNSUPPORTED_LANGUAGE",
        ),
        (
            "stream_init_fragment_too_long",
            "fragment_duration_ns above max_fragment_duration_ns (30 s).",
            with_(INIT, fragment_duration_ns=60_000_000_000),
            "INVALID_PAYLOAD",
        ),
    ]
    for name, desc, payload, code in sem:
        v.append(c2s(name, desc, "stream:init", payload, valid=False, schema_valid=True, code=code))


def _event_vectors_4(v: list[dict]) -> None:
    semf = [
        (
            "fragment_data_partial_frame",
            "961 bytes is not a whole number of s16le mono frames.",
            with_(FRAG, audio={"_binary_hex": PCM10.hex() + "00"}),
            "INVALID_PAYLOAD",
            "init",
        ),
        (
            "fragment_data_empty_audio",
            "At least one frame.",
            with_(FRAG, audio={"_binary_hex": ""}, duration_ns=1),
            "INVALID_PAYLOAD",
            "init",
        ),
        (
            "fragment_data_duration_mismatch",
            "duration_ns 20.000001 ms for 10 ms of audio: off by more than duration_tolerance_ns (10 ms).",
            with_(FRAG, duration_ns=20_000_001),
            "INVALID_PAYLOAD",
            "init",
        ),
        (
            "fragment_data_too_large",
            "max_fragment_bytes + 2 bytes (zeros).",
            with_(
                FRAG,
                audio={"_binary_zeros": LIMITS["max_fragment_bytes"] + 2},
                duration_ns=(LIMITS["max_fragment_bytes"] + 2) // 2 * 1_000_000_000 // 48000,
            ),
            "PAYLOAD_TOO_LARGE",
            "init",
        ),
        ("fragment_data_unknown_stream", "No stream:init on this connection.", FRAG, "STREAM_NOT_INITIALIZED", None),
    ]
    for name, desc, payload, code, ctx in semf:
        v.append(c2s(name, desc, "fragment:data", payload, valid=False, schema_valid=True, code=code, context=ctx))


def _event_vectors_5(v: list[dict]) -> None:
    # ---- server -> client
    v += [
        s2c("stream_ready", "Answer to stream:init.", "stream:ready", READY),
        s2c("fragment_ack", "Sent on receipt of an accepted fragment.", "fragment:ack", ACK),
        s2c("fragment_processed_success", "A dubbed fragment (10 ms of 440 Hz here).", "fragment:processed", PROCESSED),
        s2c(
            "fragment_processed_partial",
            "MT failed: passthrough audio, transcript kept.",
            "fragment:processed",
            PROCESSED_PARTIAL,
        ),
        s2c(
            "fragment_processed_timeout",
            "PROCESSING_TIMEOUT: passthrough audio, status failed.",
            "fragment:processed",
            PROCESSED_FAILED,
        ),
        s2c("stream_complete", "After stream:end and the last fragment:processed.", "stream:complete", COMPLETE),
        s2c(
            "error_backpressure",
            "Retryable: resend the same fragment after the next fragment:processed.",
            "error",
            ERR_BP,
        ),
        s2c("error_invalid_payload", "Validation failure with details.", "error", ERR_INVALID),
        s2c(
            "error_minimal",
            "Only code, message, retryable are always present.",
            "error",
            {"code": "UNKNOWN_EVENT", "message": "unknown event 'foo'", "retryable": False},
        ),
        s2c(
            "monitor_fragment_summary",
            "Summary of a fragment:processed on /monitor.",
            "fragment:summary",
            SUMMARY,
            namespace="/monitor",
        ),
    ]


def _event_vectors_6(v: list[dict]) -> None:
    v += [
        s2c(
            "monitor_hello",
            "First event on /monitor.",
            "monitor:hello",
            {"protocol_version": 1, "mode": "real", "models": MODELS, "recent": [SUMMARY]},
            namespace="/monitor",
        ),
        s2c(
            "monitor_stream_started",
            "A stream:init seen by the service.",
            "stream:started",
            dict(INIT, client_sid="Jx1mIbG2zH8AAAAB"),
            namespace="/monitor",
        ),
        s2c(
            "monitor_stream_completed",
            "A stream:complete seen by the service.",
            "stream:completed",
            COMPLETE,
            namespace="/monitor",
        ),
        s2c(
            "fragment_processed_bad_status",
            "status must be success|partial|failed.",
            "fragment:processed",
            with_(PROCESSED, status="ok"),
            valid=False,
        ),
        s2c(
            "fragment_processed_missing_error",
            "error is always present (null on success).",
            "fragment:processed",
            with_(PROCESSED, error=...),
            valid=False,
        ),
        s2c(
            "fragment_processed_audio_base64",
            "dubbed_audio is a binary attachment, never text.",
            "fragment:processed",
            with_(PROCESSED, dubbed_audio="AAAA"),
            valid=False,
        ),
        s2c(
            "fragment_processed_missing_transcript",
            'transcript is always present ("" for silence); without it the result is a protocol error (FR-022).',
            "fragment:processed",
            with_(PROCESSED, transcript=...),
            valid=False,
        ),
        s2c(
            "fragment_processed_missing_translated_text",
            'translated_text is always present ("" when '
            "nothing was translated); without it the result is a protocol error (FR-022).",
            "fragment:processed",
            with_(PROCESSED, translated_text=...),
            valid=False,
        ),
        s2c(
            "fragment_processed_null_transcript",
            "transcript is a string, never null.",
            "fragment:processed",
            with_(PROCESSED, transcript=None),
            valid=False,
        ),
        s2c(
            "error_unknown_code",
            "Codes are from the fixed list.",
            "error",
            {"code": "OOPS", "message": "x", "retryable": False},
            valid=False,
        ),
    ]


def event_vectors() -> list[dict]:
    v = []
    _event_vectors_1(v)
    _event_vectors_2(v)
    _event_vectors_3(v)
    _event_vectors_4(v)
    _event_vectors_5(v)
    _event_vectors_6(v)
    return v
