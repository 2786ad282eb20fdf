"""Fuzzing the STS server's event handlers (hypothesis) over a real websocket connection: the real
StsServer in a thread, a python-socketio client sending generated payloads (valid ones mutated, random
JSON with binary values, wrong argument counts, unknown and reserved event names).

After every generated event the client sends a sentinel (an unknown event); the server handles one
client's events in order (async_handlers=False), so everything that arrives before the sentinel's
error is the answer to the generated event. The property, for every input:
  - a payload the protocol's own validator rejects, or an event that is not a client event, gets
    exactly one `error` event with a specific code (never INTERNAL: that is a handler that raised);
  - a valid one gets its normal answer (stream:ready, fragment:ack) or a specific error;
  - every event the server sends fits its JSON Schema; the connection stays up.
A flood of bad payloads is then answered one error each, and the service is still healthy.

STS_FUZZ_EXAMPLES sets the number of generated inputs (scripts/fuzz: 10000; default 200).
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from typing import Any

import pytest
from conftest import Client, RunningServer, checking_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_server import INIT, check_schema, frag

from sts_service import protocol as p

EXAMPLES = int(os.environ.get("STS_FUZZ_EXAMPLES", "200"))
SENTINEL = "fuzz:sentinel"
DIRECT = ("stream:ready", "fragment:ack", "error")  # the answers an event gets at once
MODELS = {p.EV_STREAM_INIT: p.StreamInit, p.EV_FRAGMENT_DATA: p.FragmentData, p.EV_STREAM_END: p.StreamEnd}
OPEN_STREAM = "fz"  # initialised once per connection, so fragments reach the stream checks

# Values at the edges of the protocol's rules (limits, types a lax parser would coerce, ids).
EDGES = st.sampled_from(
    [
        0,
        -1,
        1,
        2**31,
        2**53,
        2**63 - 1,
        2**63,
        2**64,
        -(2**63) - 1,
        1.0,
        0.5,
        True,
        False,
        "",
        "1",
        "x" * 300,
        "../etc",
        "a b",
        "é",
        "\u0000",
        "live/x",
        "_",
        {"_placeholder": True, "num": 0},
        [],
        {},
        None,
    ]
)
KEYS = st.sampled_from([*INIT, *frag(0), "_placeholder", "num", "", "extra"]) | st.text(max_size=12)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)  # the in-process client shares the canonical JSON
    | st.text(max_size=40)
    | st.binary(max_size=64)
    | EDGES
)
VALUES = st.recursive(
    LEAVES, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=4), max_leaves=12
)


def base_payload(event: str) -> dict[str, Any]:
    if event == p.EV_STREAM_INIT:
        return dict(INIT, stream_id=OPEN_STREAM)
    if event == p.EV_FRAGMENT_DATA:
        return frag(0, frames=480, stream_id=OPEN_STREAM)
    return {"stream_id": OPEN_STREAM}


@st.composite
def mutated(draw: Any, event: str) -> tuple[Any, ...]:
    """A valid payload of `event` with one to three keys dropped, replaced or added."""
    payload = base_payload(event)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["drop", "set", "add"]))
        if op == "drop" and payload:
            payload.pop(draw(st.sampled_from(sorted(payload))))
        elif op == "set" and payload:
            payload[draw(st.sampled_from(sorted(payload)))] = draw(VALUES)
        else:
            payload[draw(KEYS)] = draw(VALUES)
    return (payload,)


EVENT_NAMES = (
    st.sampled_from(p.CLIENT_EVENTS)
    | st.sampled_from(["connect", "disconnect", "message", "connect_error", "error", "stream:ready", "*"])
    | st.text(min_size=1, max_size=20).filter(lambda s: s != SENTINEL)
)


@st.composite
def inputs(draw: Any) -> tuple[str, tuple[Any, ...]]:
    """(event name, arguments): mostly client events with mutated payloads, else anything."""
    event = draw(EVENT_NAMES)
    if event in MODELS and draw(st.booleans()):
        return event, draw(mutated(event))
    return event, tuple(draw(st.lists(VALUES, max_size=3)))


def on_the_wire(value: Any) -> Any:
    """What the server receives for `value`: JSON, with bytes as binary attachments (still bytes)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, dict):
        return {k: on_the_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [on_the_wire(v) for v in value]
    return json.loads(json.dumps(value))


def locally_rejected(event: str, args: tuple[Any, ...]) -> bool:
    """Whether the protocol's validator (the server's own) refuses these arguments: the server must
    then answer INVALID_PAYLOAD. The arguments take a JSON round trip first, as on the wire."""
    if event not in MODELS:
        return True
    wire_args = tuple(on_the_wire(a) for a in args)
    try:
        p.parse_payload(MODELS[event], wire_args, event)
    except p.ProtocolError:
        return True
    return False


async def exchange(client: Client, event: str, args: tuple[Any, ...]) -> list[tuple[str, Any]]:
    """Sends the event, then the sentinel; returns the events that arrived before the sentinel's error."""
    await client.sio.emit(event, args, namespace="/")
    await client.emit(SENTINEL, {})
    seen = []
    while True:
        ev, data = await client.next(timeout=20)
        check_schema("/", ev, data)
        if ev == "error" and data.get("event") == SENTINEL:
            assert data["code"] == "UNKNOWN_EVENT", data
            return seen
        seen.append((ev, data))


def walk(value: Any) -> list[Any]:
    """Every value nested in `value`, itself included."""
    out = [value]
    for child in value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ():
        out += walk(child)
    return out


def forged_placeholder(args: tuple[Any, ...]) -> bool:
    """A binary packet (some bytes inside) that also carries a hand-made {"_placeholder", "num"}: the
    transport resolves or refuses it before any handler, so the validator here cannot predict the answer."""
    values = walk(args)
    return any(isinstance(v, bytes) for v in values) and any(
        isinstance(v, dict) and v.get("_placeholder") and "num" in v for v in values
    )


def check_answer(event: str, args: tuple[Any, ...], seen: list[tuple[str, Any]]) -> None:
    direct = [(ev, data) for ev, data in seen if ev in DIRECT]
    errors = [data for ev, data in direct if ev == "error"]
    assert all(e["code"] != "INTERNAL" for e in errors), f"{event} {args!r}: a handler raised: {errors}"
    if forged_placeholder(args):
        assert len(direct) <= 1 and (len(direct) == 1 or event == p.EV_STREAM_END), f"{event} {args!r}: {direct}"
        return
    if event not in MODELS:
        assert [e["code"] for e in errors] == ["UNKNOWN_EVENT"] and len(direct) == 1, f"{event!r}: {direct}"
        return
    if locally_rejected(event, args):
        assert [e["code"] for e in errors] == ["INVALID_PAYLOAD"] and len(direct) == 1, f"{event} {args!r}: {direct}"
        return
    # A valid stream:end of an open stream has no direct answer (stream:complete comes later).
    expected = (0, 1) if event == p.EV_STREAM_END else (1,)
    assert len(direct) in expected, f"{event} {args!r}: {direct}"


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/health", timeout=5) as r:
        assert r.status == 200
        return json.loads(r.read())


async def open_client(url: str) -> Client:
    c = Client()
    await c.connect(url)
    await c.emit(p.EV_STREAM_INIT, base_payload(p.EV_STREAM_INIT))
    ev, data = await c.next(10)
    assert ev == "stream:ready", (ev, data)
    return c


@pytest.fixture
def server(base_config):
    srv = RunningServer(base_config, checking_engine(base_config))
    yield srv
    srv.stop()


def test_generated_payloads_each_get_an_answer_never_a_crash(server):
    loop = asyncio.new_event_loop()
    client = loop.run_until_complete(open_client(server.url))
    count = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(inputs())
    def one(example: tuple[str, tuple[Any, ...]]) -> None:
        nonlocal count
        event, args = example
        seen = loop.run_until_complete(exchange(client, event, args))
        check_answer(event, args, seen)
        count += 1

    try:
        one()
        assert client.sio.connected
        assert health(server.url)["status"] == "ok"
        print(f"sts handlers: {count} generated events, every one answered, none crashed")
    finally:
        loop.run_until_complete(client.close())
        loop.close()


def test_flood_of_bad_payloads_each_gets_an_error_and_the_service_stays_healthy(server):
    bad: list[tuple[str, Any]] = [
        (p.EV_STREAM_INIT, {"stream_id": 5}),
        (p.EV_FRAGMENT_DATA, {"audio": "not bytes"}),
        (p.EV_STREAM_END, []),
        ("no:such:event", {"x": 1}),
        (p.EV_FRAGMENT_DATA, dict(frag(0, frames=480, stream_id="never-opened"))),
    ]
    n = 500

    async def go() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        c = await open_client(server.url)
        for i in range(n):
            ev, data = bad[i % len(bad)]
            await c.emit(ev, data)
        errors = [data for ev, data in [await c.next(20) for _ in range(n)] if ev == "error"]
        # Still serving: a clean fragment on the open stream is acknowledged and dubbed.
        await c.emit(p.EV_FRAGMENT_DATA, frag(0, frames=480, stream_id=OPEN_STREAM))
        await c.emit(p.EV_STREAM_END, {"stream_id": OPEN_STREAM})
        _, complete = await c.until("stream:complete", 30)
        await c.close()
        return errors, complete

    errors, complete = asyncio.run(go())
    assert len(errors) == n
    assert all(e["code"] != "INTERNAL" for e in errors)
    assert {e["code"] for e in errors} == {"INVALID_PAYLOAD", "UNKNOWN_EVENT", "STREAM_NOT_INITIALIZED"}
    assert complete["fragments_succeeded"] == 1
    assert health(server.url)["status"] == "ok"


# Regressions: what the fuzzing found in python-socketio's dispatch (sts_service/sio_guard.py).


def test_reserved_event_names_from_a_client_are_unknown_events_and_change_nothing(server):
    async def go() -> list[tuple[str, Any]]:
        c = await open_client(server.url)
        answers = []
        for name in ("connect", "disconnect", "*"):
            answers += await exchange(c, name, ({"stream_id": OPEN_STREAM},))
        # The stream opened before is still open: "disconnect" did not drop it.
        answers += await exchange(c, p.EV_FRAGMENT_DATA, (frag(0, frames=480, stream_id=OPEN_STREAM),))
        await c.close()
        return answers

    answers = asyncio.run(go())
    direct = [(ev, data.get("code")) for ev, data in answers if ev in DIRECT]
    assert direct == [("error", "UNKNOWN_EVENT")] * 3 + [("fragment:ack", None)]


def test_forged_binary_placeholder_is_refused_and_the_connection_keeps_working(server):
    async def go() -> list[tuple[str, Any]]:
        c = await open_client(server.url)
        forged = dict(frag(0, frames=480, stream_id=OPEN_STREAM), extra={"_placeholder": True, "num": 7})
        answers = await exchange(c, p.EV_FRAGMENT_DATA, (forged,))
        answers += await exchange(c, p.EV_FRAGMENT_DATA, (frag(0, frames=480, stream_id=OPEN_STREAM),))
        await c.close()
        return answers

    answers = asyncio.run(go())
    direct = [(ev, data.get("code")) for ev, data in answers if ev in DIRECT]
    assert direct == [("error", "INVALID_PAYLOAD"), ("fragment:ack", None)]
