"""The Socket.IO server over a real websocket connection (python-socketio client), with engines that
need no model weights: ordering, back-pressure, validation, auth, /monitor, /health, /metrics.
Every event the server sends is checked against the JSON Schemas."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
import urllib.request
from dataclasses import replace

import pytest
from conftest import Client, RunningServer, checking_engine, echo_engine, load_json
from test_contract import SCHEMA_FOR_EVENT, validator

from sts_service import wire
from sts_service.pipeline import FrameProcessor, InputAudioFrame, OutputAudioFrame

INIT = {
    "stream_id": "s1",
    "source_language": "en",
    "target_language": "es",
    "sample_rate": 48000,
    "channels": 2,
    "sample_format": "s16le",
    "fragment_duration_ns": 100_000_000,
}


def frag(i: int, frames: int = 4800, channels: int = 2, stream_id: str = "s1") -> dict:
    audio = bytes((i * 7 + k) % 256 for k in range(frames * 2 * channels))
    return {
        "stream_id": stream_id,
        "fragment_id": f"{stream_id}-{i}",
        "sequence_number": i,
        "pts_ns": i * 100_000_000,
        "duration_ns": frames * 1_000_000_000 // 48000,
        "audio": audio,
    }


def check_schema(namespace: str, event: str, data) -> None:
    key = (namespace, event)
    if key in SCHEMA_FOR_EVENT:
        payload = wire.to_vector(data)
        if isinstance(payload, dict) and "dubbed_audio" in payload:
            payload["dubbed_audio"] = {"_placeholder": True, "num": 0}
        errors = list(validator(SCHEMA_FOR_EVENT[key]).iter_errors(payload))
        assert not errors, f"{event}: {errors[0].message}"


class SlowFirst(FrameProcessor):
    """Echo, but early fragments take longer than later ones: forces out-of-order completion."""

    stage = "tts"
    accepts = (InputAudioFrame,)

    async def process(self, frame, ctx):
        ctx.mark_start(time.perf_counter())
        await asyncio.sleep(max(0.0, 0.3 - 0.1 * ctx.sequence_number) + random.random() * 0.02)
        return OutputAudioFrame(frame.pcm, f"t{ctx.sequence_number}", f"tr{ctx.sequence_number}")


class Never(FrameProcessor):
    stage = "asr"
    accepts = (InputAudioFrame,)

    async def process(self, frame, ctx):
        ctx.mark_start(time.perf_counter())
        await asyncio.sleep(3600)


@pytest.fixture
def echo_server(base_config):
    srv = RunningServer(base_config, echo_engine(base_config))
    yield srv
    srv.stop()


def run(coro):
    return asyncio.run(coro)


def test_health_and_metrics(echo_server):
    with urllib.request.urlopen(echo_server.url + "/health") as r:
        assert r.status == 200
        body = json.loads(r.read())
    assert body["status"] == "ok" and body["mode"] == "echo"
    with urllib.request.urlopen(echo_server.url + "/metrics") as r:
        text = r.read().decode()
    for name in (
        "sts_fragments_total",
        "sts_errors_total",
        "sts_stage_latency_seconds_bucket",
        "sts_inflight_fragments",
        "sts_active_streams",
    ):
        assert name in text


def test_health_503_while_loading(base_config):
    from sts_service.engine import Engine

    srv = RunningServer(base_config, Engine(base_config))  # never loaded
    try:
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(srv.url + "/health")
        assert exc.value.code == 503
        assert json.loads(exc.value.read())["status"] == "loading"

        async def go():
            c = Client()
            await c.connect(srv.url)
            await c.emit("stream:init", INIT)
            ev, data = await c.next()
            await c.close()
            return ev, data

        ev, data = run(go())
        assert ev == "error" and data["code"] == "SERVICE_NOT_READY" and data["retryable"] is True
    finally:
        srv.stop()


def test_echo_roundtrip_binary_and_format(echo_server):
    async def go():
        c = Client()
        await c.connect(echo_server.url)
        await c.emit("stream:init", INIT)
        ev, ready = await c.next()
        assert ev == "stream:ready" and ready["mode"] == "echo"
        f = frag(0)
        await c.emit("fragment:data", f)
        ev, ack = await c.next()
        assert ev == "fragment:ack" and ack["status"] == "queued" and ack["inflight"] == 1
        ev, out = await c.next()
        assert ev == "fragment:processed"
        await c.close()
        return f, out

    f, out = run(go())
    assert isinstance(out["dubbed_audio"], bytes)
    assert out["dubbed_audio"] == f["audio"]  # echo mode: unchanged
    assert out["transcript"] == "" and out["translated_text"] == ""
    assert out["dubbed_audio_sha256"] == hashlib.sha256(f["audio"]).hexdigest()
    assert (out["sample_rate"], out["channels"], out["sample_format"]) == (48000, 2, "s16le")
    assert out["status"] == "success" and out["error"] is None
    check_schema("/", "fragment:processed", out)


@pytest.mark.parametrize("scenario", load_json("vectors", "scenarios.json")["scenarios"], ids=lambda s: s["name"])
def test_scenarios(base_config, scenario):
    srv = RunningServer(base_config, checking_engine(base_config))

    # "expect": the direct answers to each step (stream:ready, fragment:ack, error), in order;
    # "final": the asynchronous results (fragment:processed, stream:complete), in order. The two
    # kinds may interleave on the wire.
    asynchronous = ("fragment:processed", "stream:complete")

    async def go():
        c = Client()
        await c.connect(srv.url)
        results = []
        for step in scenario["steps"]:
            await c.emit(step["send"], wire.from_vector(step["payload"]))
            for want in step["expect"]:
                while True:
                    ev, data = await c.next()
                    check_schema("/", ev, data)
                    if ev not in asynchronous:
                        break
                    results.append((ev, data))
                assert ev == want["event"], (step, ev, data)
                for k, v in want.items():
                    if k != "event":
                        assert data[k] == v, (k, data)
        while len(results) < len(scenario["final"]):
            ev, data = await c.next()
            check_schema("/", ev, data)
            assert ev in asynchronous, (ev, data)
            results.append((ev, data))
        for want, (ev, data) in zip(scenario["final"], results, strict=False):
            assert ev == want["event"], (ev, data)
            for k, v in want.items():
                if k != "event":
                    assert data[k] == v, (k, data)
        await c.close()

    try:
        run(go())
    finally:
        srv.stop()


def test_processed_in_sequence_order_under_concurrency(base_config):
    """Fragments finish out of order (the first is slowest) but are answered in order; none lost or
    duplicated."""
    cfg = replace(base_config, max_inflight=3)
    srv = RunningServer(cfg, checking_engine(cfg, [SlowFirst()]))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        assert (await c.next())[0] == "stream:ready"
        sent = 0
        order = []
        pending = []
        while len(order) < 10:
            while sent < 10 and len(pending) < 3:
                await c.emit("fragment:data", frag(sent))
                pending.append(sent)
                sent += 1
            ev, data = await c.next()
            check_schema("/", ev, data)
            if ev == "fragment:processed":
                order.append(data["sequence_number"])
                assert data["transcript"] == f"t{data['sequence_number']}"
                pending.remove(data["sequence_number"])
            else:
                assert ev == "fragment:ack", data
        await c.emit("stream:end", {"stream_id": "s1"})
        _, complete = await c.until("stream:complete")
        await c.close()
        return order, complete

    try:
        order, complete = run(go())
    finally:
        srv.stop()
    assert order == list(range(10))
    assert complete["fragments_received"] == complete["fragments_processed"] == 10
    assert complete["fragments_rejected"] == 0


def test_backpressure_is_a_retryable_error_never_a_drop(base_config):
    cfg = replace(base_config, max_inflight=2)
    srv = RunningServer(cfg, checking_engine(cfg, [SlowFirst()]))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        await c.next()
        for i in range(3):
            await c.emit("fragment:data", frag(i))
        events = [await c.next() for _ in range(3)]
        assert [e for e, _ in events] == ["fragment:ack", "fragment:ack", "error"]
        err = events[2][1]
        assert err["code"] == "BACKPRESSURE" and err["retryable"] is True and err["sequence_number"] == 2
        # retry the same fragment after the next processed one
        _, first = await c.until("fragment:processed")
        assert first["sequence_number"] == 0
        await c.emit("fragment:data", frag(2))
        seen, _ = await c.until("fragment:ack")
        await c.emit("stream:end", {"stream_id": "s1"})
        seen2, complete = await c.until("stream:complete")
        done = [d["sequence_number"] for e, d in seen + seen2 if e == "fragment:processed"]
        await c.close()
        return done, complete

    try:
        done, complete = run(go())
    finally:
        srv.stop()
    assert done == [1, 2]
    assert complete["fragments_received"] == 3 and complete["fragments_rejected"] == 1


def test_oversized_fragment_gets_error_and_connection_survives(base_config):
    cfg = replace(base_config, max_fragment_bytes=64 * 1024)
    srv = RunningServer(cfg, checking_engine(cfg))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        await c.next()
        big = frag(0, frames=20_000)  # 80 000 bytes > 64 KiB
        await c.emit("fragment:data", big)
        ev, err = await c.next()
        assert ev == "error" and err["code"] == "PAYLOAD_TOO_LARGE" and "65536" in err["message"]
        await c.emit("fragment:data", frag(0))  # same connection still works
        ev, _ack = await c.next()
        assert ev == "fragment:ack"
        await c.close()

    try:
        run(go())
    finally:
        srv.stop()


def test_processing_timeout_gives_failed_with_passthrough(base_config):
    cfg = replace(base_config, processing_timeout_s=0.2)
    srv = RunningServer(cfg, checking_engine(cfg, [Never()]))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        await c.next()
        f = frag(0)
        await c.emit("fragment:data", f)
        _, out = await c.until("fragment:processed")
        await c.close()
        return f, out

    try:
        f, out = run(go())
    finally:
        srv.stop()
    assert out["status"] == "failed"
    assert out["error"]["code"] == "PROCESSING_TIMEOUT" and out["error"]["retryable"] is True
    assert out["dubbed_audio"] == f["audio"]
    check_schema("/", "fragment:processed", out)


def test_auth_token(base_config, caplog):
    caplog.set_level(logging.INFO, logger="sts.auth")
    cfg = replace(base_config, auth_token="s3cret")
    srv = RunningServer(cfg, checking_engine(cfg))

    async def go():
        import socketio

        bad = Client()
        with pytest.raises(socketio.exceptions.ConnectionError) as exc:
            await bad.connect(srv.url, auth={"token": "wrong"})
        assert "failed to connect" in str(exc.value)
        assert bad.connect_error == {
            "message": "UNAUTHORIZED",
            "data": {"code": "UNAUTHORIZED", "message": "missing or invalid auth token", "retryable": False},
        }
        nobody = Client()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await nobody.connect(srv.url)
        mon = Client("/monitor")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await mon.connect(srv.url, auth={"token": "nope"})
        good = Client()
        await good.connect(srv.url, auth={"token": "s3cret"})
        await good.emit("stream:init", INIT)
        ev, _ = await good.next()
        await good.close()
        return ev

    try:
        assert run(go()) == "stream:ready"
    finally:
        srv.stop()
    # Each refusal logged with why and where, never with a token (given or expected).
    refused = [(r.reason, r.namespace, r.code) for r in caplog.records if r.name == "sts.auth"]
    assert refused == [
        ("wrong token", "/", "UNAUTHORIZED"),
        ("no token", "/", "UNAUTHORIZED"),
        ("wrong token", "/monitor", "UNAUTHORIZED"),
    ]
    logged = " ".join(str(vars(r)) for r in caplog.records)
    assert "s3cret" not in logged and "nope" not in logged


def test_monitor_namespace_sees_everything_and_is_read_only(base_config):
    srv = RunningServer(base_config, checking_engine(base_config, [SlowFirst()]))

    async def go():
        mon = Client("/monitor")
        await mon.connect(srv.url)
        ev, hello = await mon.next()
        assert ev == "monitor:hello" and hello["recent"] == []
        check_schema("/monitor", ev, hello)
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        f0, f1 = frag(0), frag(1)
        await c.emit("fragment:data", f0)
        await c.emit("fragment:data", f1)
        await c.emit("stream:end", {"stream_id": "s1"})
        _, complete = await c.until("stream:complete")
        seen, completed = await mon.until("stream:completed")
        for ev, data in seen:
            check_schema("/monitor", ev, data)
        summaries = [d for e, d in seen if e == "fragment:summary"]
        assert next(e for e, _ in seen) == "stream:started"
        await mon.emit("stream:init", INIT)  # read-only
        ev, err = await mon.next()
        assert ev == "error" and err["code"] == "READ_ONLY_NAMESPACE"
        late = Client("/monitor")  # a late monitor gets the recent history
        await late.connect(srv.url)
        ev, hello2 = await late.next()
        for x in (c, mon, late):
            await x.close()
        return f0, f1, summaries, complete, completed, hello2

    try:
        f0, _f1, summaries, complete, completed, hello2 = run(go())
    finally:
        srv.stop()
    assert [s["sequence_number"] for s in summaries] == [0, 1]
    s0 = summaries[0]
    assert s0["transcript"] == "t0" and s0["translated_text"] == "tr0"
    assert s0["input_audio_sha256"] == hashlib.sha256(f0["audio"]).hexdigest()
    assert s0["dubbed_audio_bytes"] == len(f0["audio"]) and s0["dubbed_duration_ns"] == f0["duration_ns"]
    assert set(s0["stage_timings_ms"]) == {"asr", "translation", "tts"}
    assert completed == complete
    assert [s["fragment_id"] for s in hello2["recent"]] == ["s1-0", "s1-1"]


def test_disconnect_mid_stream_is_clean(base_config):
    srv = RunningServer(base_config, checking_engine(base_config, [SlowFirst()]))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        await c.next()
        await c.emit("fragment:data", frag(0))
        await c.next()
        await c.close()
        c2 = Client()  # the service keeps serving others
        await c2.connect(srv.url)
        await c2.emit("stream:init", INIT)
        ev, _ = await c2.next()
        await c2.emit("fragment:data", frag(0))
        _, out = await c2.until("fragment:processed")
        await c2.close()
        return ev, out

    try:
        ev, out = run(go())
    finally:
        srv.stop()
    assert ev == "stream:ready" and out["sequence_number"] == 0


def test_two_streams_on_one_connection_are_independent(base_config):
    srv = RunningServer(base_config, checking_engine(base_config))

    async def go():
        c = Client()
        await c.connect(srv.url)
        for sid in ("a", "b"):
            await c.emit("stream:init", dict(INIT, stream_id=sid))
        for i in range(2):
            for sid in ("a", "b"):
                await c.emit("fragment:data", frag(i, stream_id=sid))
        for sid in ("a", "b"):
            await c.emit("stream:end", {"stream_id": sid})
        got = {"a": [], "b": []}
        completes = 0
        while completes < 2:
            ev, d = await c.next()
            if ev == "fragment:processed":
                got[d["stream_id"]].append(d["sequence_number"])
            elif ev == "stream:complete":
                completes += 1
        await c.close()
        return got

    try:
        assert run(go()) == {"a": [0, 1], "b": [0, 1]}
    finally:
        srv.stop()


def test_fault_delay_holds_every_answer_from_its_receipt(base_config):
    """STS_FAULT_DELAY_MS: each fragment:processed comes no earlier than the delay after that
    fragment arrived (a slow service), counted per fragment and not one after the other."""
    cfg = replace(base_config, fault_delay_ms=400)
    srv = RunningServer(cfg, checking_engine(cfg))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        await c.next()
        sent = time.perf_counter()
        for i in range(2):
            await c.emit("fragment:data", frag(i))
        answered = []
        while len(answered) < 2:
            ev, d = await c.next()
            if ev == "fragment:processed":
                answered.append((d["sequence_number"], time.perf_counter() - sent, d["status"]))
        await c.close()
        return answered

    try:
        with urllib.request.urlopen(srv.url + "/health") as r:
            assert json.loads(r.read())["fault_delay_ms"] == 400
        answered = run(go())
    finally:
        srv.stop()
    assert [seq for seq, _, _ in answered] == [0, 1]
    assert all(status == "success" for _, _, status in answered)
    assert all(after >= 0.4 for _, after, _ in answered), answered
    assert answered[1][1] < 0.8, answered  # the second waited from its own receipt, not after the first


def test_no_fault_delay_by_default(echo_server):
    with urllib.request.urlopen(echo_server.url + "/health") as r:
        assert "fault_delay_ms" not in json.loads(r.read())

    async def go():
        c = Client()
        await c.connect(echo_server.url)
        await c.emit("stream:init", INIT)
        await c.next()
        sent = time.perf_counter()
        await c.emit("fragment:data", frag(0))
        await c.until("fragment:processed")
        await c.close()
        return time.perf_counter() - sent

    assert run(go()) < 0.4
