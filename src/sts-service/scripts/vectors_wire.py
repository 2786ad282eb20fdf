"""wire.json and scenarios.json of gen-vectors: Engine.IO/Socket.IO frames and stateful sequences."""

from __future__ import annotations

import json

from vectors_common import (
    ACK,
    COMPLETE,
    ERR_BP,
    FRAG,
    INIT,
    LIMITS,
    PROCESSED,
    PROCESSED_FAILED,
    READY,
    SUMMARY,
    P,
    wire,
    with_,
)


def wv(name, description, direction, packet_type, data, namespace="/", ack_id=None, check="encode_decode"):
    frames = wire.encode(packet_type, namespace, wire.from_vector(data), ack_id)
    return {
        "name": name,
        "description": description,
        "direction": direction,
        "transport": "websocket",
        "check": check,
        "frames": frames,
        "decoded": {
            "packet_type": wire.decode(frames)["packet_type"],
            "namespace": namespace,
            "ack_id": ack_id,
            "data": data,
        },
    }


def raw(name, description, direction, frames, decoded=None):
    return {
        "name": name,
        "description": description,
        "direction": direction,
        "transport": "websocket",
        "check": "engineio",
        "frames": frames,
        "decoded": decoded,
    }


OPEN_PAYLOAD = {
    "maxPayload": LIMITS["transport_max_message_bytes"],
    "pingInterval": 25000,
    "pingTimeout": 20000,
    "sid": "v2Xy9wq0YmD1AAAA",
    "upgrades": [],
}


def _wire_vectors_1() -> list[dict]:
    return [
        raw(
            "eio_open",
            "Engine.IO OPEN, first frame from the server (sid varies). With transport=websocket "
            'upgrades is empty; over polling it lists ["websocket"].',
            "server_to_client",
            [{"type": "text", "data": "0" + json.dumps(OPEN_PAYLOAD, sort_keys=True, separators=(",", ":"))}],
            {"eio_packet": "OPEN", "data": OPEN_PAYLOAD},
        ),
        raw(
            "eio_ping",
            "Engine.IO PING from the server; answer with PONG within pingTimeout.",
            "server_to_client",
            [{"type": "text", "data": "2"}],
            {"eio_packet": "PING"},
        ),
        raw(
            "eio_pong",
            "Engine.IO PONG from the client.",
            "client_to_server",
            [{"type": "text", "data": "3"}],
            {"eio_packet": "PONG"},
        ),
        raw(
            "eio_close",
            "Engine.IO CLOSE.",
            "client_to_server",
            [{"type": "text", "data": "1"}],
            {"eio_packet": "CLOSE"},
        ),
        wv("sio_connect", "Connect to namespace / without auth.", "client_to_server", P.CONNECT, None),
        wv(
            "sio_connect_auth",
            "Connect to / with the shared secret (STS_AUTH_TOKEN).",
            "client_to_server",
            P.CONNECT,
            {"token": "s3cret"},
        ),
        wv("sio_connect_monitor", "Connect to /monitor.", "client_to_server", P.CONNECT, None, namespace="/monitor"),
        wv(
            "sio_connect_reply",
            "Server accepts the namespace connection (sid varies).",
            "server_to_client",
            P.CONNECT,
            {"sid": "Jx1mIbG2zH8AAAAB"},
        ),
    ]


def _wire_vectors_2() -> list[dict]:
    return [
        wv(
            "sio_connect_error_unauthorized",
            "Wrong or missing token.",
            "server_to_client",
            P.CONNECT_ERROR,
            {
                "message": "UNAUTHORIZED",
                "data": {"code": "UNAUTHORIZED", "message": "missing or invalid auth token", "retryable": False},
            },
        ),
        wv("stream_init", "stream:init event.", "client_to_server", P.EVENT, ["stream:init", INIT]),
        wv("stream_ready", "stream:ready event.", "server_to_client", P.EVENT, ["stream:ready", READY]),
        wv(
            "fragment_data",
            "fragment:data: BINARY_EVENT with one attachment (the PCM).",
            "client_to_server",
            P.EVENT,
            ["fragment:data", FRAG],
        ),
        wv("fragment_ack", "fragment:ack event.", "server_to_client", P.EVENT, ["fragment:ack", ACK]),
        wv(
            "fragment_processed",
            "fragment:processed: BINARY_EVENT with one attachment (the dubbed PCM).",
            "server_to_client",
            P.EVENT,
            ["fragment:processed", PROCESSED],
        ),
        wv(
            "fragment_processed_timeout",
            "fragment:processed, status failed (PROCESSING_TIMEOUT).",
            "server_to_client",
            P.EVENT,
            ["fragment:processed", PROCESSED_FAILED],
        ),
        wv("error_backpressure", "error event.", "server_to_client", P.EVENT, ["error", ERR_BP]),
        wv(
            "stream_end_with_ack_id",
            "stream:end sent with an ack id (acks are not needed; the server answers an empty ack).",
            "client_to_server",
            P.EVENT,
            ["stream:end", {"stream_id": "live-test-1"}],
            ack_id=12,
        ),
        wv("empty_ack", "The server's empty ack for id 12.", "server_to_client", P.ACK, [], ack_id=12),
        wv("stream_complete", "stream:complete event.", "server_to_client", P.EVENT, ["stream:complete", COMPLETE]),
    ]


def _wire_vectors_3() -> list[dict]:
    return [
        wv(
            "monitor_fragment_summary",
            "An event on /monitor.",
            "server_to_client",
            P.EVENT,
            ["fragment:summary", SUMMARY],
            namespace="/monitor",
        ),
        wv(
            "unicode_text",
            "Non-ASCII text travels as raw UTF-8 (no \\u escapes) in the canonical form.",
            "server_to_client",
            P.EVENT,
            [
                "fragment:summary",
                with_(
                    SUMMARY, transcript="Good morning, how are you?", translated_text="¿Buenos días, cómo estás? Año"
                ),
            ],
            namespace="/monitor",
        ),
        wv("sio_disconnect", "Leave namespace /.", "client_to_server", P.DISCONNECT, None),
    ]


def wire_vectors() -> list[dict]:
    w = _wire_vectors_1() + _wire_vectors_2() + _wire_vectors_3()
    # Decoders must accept non-canonical JSON too: whitespace, other key order, \u escapes.
    w.append(
        {
            "name": "decode_non_canonical_json",
            "description": "Decoders accept any valid JSON: spaces, unsorted keys, \\u escapes.",
            "direction": "client_to_server",
            "transport": "websocket",
            "check": "decode",
            "frames": [{"type": "text", "data": '42[ "stream:end" , { "stream_id" : "live\\u002dtest-1" } ]'}],
            "decoded": {
                "packet_type": "EVENT",
                "namespace": "/",
                "ack_id": None,
                "data": ["stream:end", {"stream_id": "live-test-1"}],
            },
        }
    )
    return w


def _frag(i: int, **kw) -> dict:
    base = {"fragment_id": f"live-test-1-{i:04d}", "sequence_number": i, "pts_ns": i * 10_000_000}
    return with_(FRAG, **{**base, **kw})


def _scenarios_1() -> list[dict]:
    return [
        {
            "name": "happy_path",
            "description": "init, three fragments, end: acks, processed in order, complete.",
            "steps": [
                {"send": "stream:init", "payload": INIT, "expect": [{"event": "stream:ready"}]},
                {
                    "send": "fragment:data",
                    "payload": _frag(0),
                    "expect": [{"event": "fragment:ack", "sequence_number": 0}],
                },
                {
                    "send": "fragment:data",
                    "payload": _frag(1),
                    "expect": [{"event": "fragment:ack", "sequence_number": 1}],
                },
                {
                    "send": "fragment:data",
                    "payload": _frag(2),
                    "expect": [{"event": "fragment:ack", "sequence_number": 2}],
                },
                {"send": "stream:end", "payload": {"stream_id": "live-test-1"}, "expect": []},
            ],
            "final": [
                {"event": "fragment:processed", "sequence_number": 0},
                {"event": "fragment:processed", "sequence_number": 1},
                {"event": "fragment:processed", "sequence_number": 2},
                {
                    "event": "stream:complete",
                    "fragments_received": 3,
                    "fragments_processed": 3,
                    "fragments_rejected": 0,
                },
            ],
        },
    ]


def _scenarios_2() -> list[dict]:
    return [
        {
            "name": "duplicate_and_out_of_order",
            "description": "A repeated sequence number and a lower one are refused; the stream carries on.",
            "steps": [
                {"send": "stream:init", "payload": INIT, "expect": [{"event": "stream:ready"}]},
                {
                    "send": "fragment:data",
                    "payload": _frag(5),
                    "expect": [{"event": "fragment:ack", "sequence_number": 5}],
                },
                {
                    "send": "fragment:data",
                    "payload": _frag(5, fragment_id="other-id"),
                    "expect": [{"event": "error", "code": "DUPLICATE_FRAGMENT", "retryable": False}],
                },
                {
                    "send": "fragment:data",
                    "payload": _frag(6, fragment_id="live-test-1-0005"),
                    "expect": [{"event": "error", "code": "DUPLICATE_FRAGMENT"}],
                },
                {
                    "send": "fragment:data",
                    "payload": _frag(3),
                    "expect": [{"event": "error", "code": "OUT_OF_ORDER", "retryable": False}],
                },
                {
                    "send": "fragment:data",
                    "payload": _frag(7),
                    "expect": [{"event": "fragment:ack", "sequence_number": 7}],
                },
                {"send": "stream:end", "payload": {"stream_id": "live-test-1"}, "expect": []},
            ],
            "final": [
                {"event": "fragment:processed", "sequence_number": 5},
                {"event": "fragment:processed", "sequence_number": 7},
                {"event": "stream:complete", "fragments_received": 2, "fragments_rejected": 3},
            ],
        },
        {
            "name": "after_end",
            "description": "Fragments after stream:end are refused with STREAM_ENDED.",
            "steps": [
                {"send": "stream:init", "payload": INIT, "expect": [{"event": "stream:ready"}]},
                {"send": "stream:end", "payload": {"stream_id": "live-test-1"}, "expect": []},
            ],
            "final": [{"event": "stream:complete", "fragments_received": 0}],
        },
    ]


def _scenarios_3() -> list[dict]:
    return [
        {
            "name": "unknown_event_and_bad_payload",
            "description": "The connection survives errors.",
            "steps": [
                {"send": "stream:start", "payload": INIT, "expect": [{"event": "error", "code": "UNKNOWN_EVENT"}]},
                {
                    "send": "stream:init",
                    "payload": with_(INIT, sample_rate="48000"),
                    "expect": [{"event": "error", "code": "INVALID_PAYLOAD"}],
                },
                {
                    "send": "stream:end",
                    "payload": {"stream_id": "nope"},
                    "expect": [{"event": "error", "code": "STREAM_NOT_INITIALIZED"}],
                },
                {"send": "stream:init", "payload": INIT, "expect": [{"event": "stream:ready"}]},
                {
                    "send": "stream:init",
                    "payload": with_(INIT, sample_rate=16000),
                    "expect": [{"event": "error", "code": "STREAM_ALREADY_INITIALIZED"}],
                },
                {"send": "stream:init", "payload": INIT, "expect": [{"event": "stream:ready"}]},
            ],
            "final": [],
        },
    ]


def scenarios() -> list[dict]:
    """Stateful sequences; replayed by tests/test_server.py against the service.

    Per step, "expect" lists the direct answers (stream:ready, fragment:ack, error) in order;
    "final" lists the asynchronous results (fragment:processed, stream:complete) in order. The two
    kinds may interleave on the wire (a fragment can be processed before the next one is sent)."""
    return _scenarios_1() + _scenarios_2() + _scenarios_3()
