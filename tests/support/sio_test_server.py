#!/usr/bin/env python3
"""Tiny python-socketio server for the C++ Socket.IO client tests (tests/libdub/sio_client_test.cpp).

Run with the tools venv (scripts/python-tools python). Binds 127.0.0.1 on a free port (or --port)
and prints "PORT <n>" on stdout once it accepts connections. Exits at once (like a crashing server:
no goodbye to its clients) on SIGTERM/SIGINT or when stdin closes, so it never outlives its test.

Options: --token T (every namespace CONNECT must carry auth {"token": T}), --ping-interval S,
--ping-timeout S (seconds, floats allowed), --omit KEY (repeatable; see the minimal STS below).

Namespace "/":
  echo(*args)          emits "echo" back with the same arguments and acks with them
  describe(*args)      acks with {"binary_sizes": [...], "binary_crc32": [...]} of every bytes value (depth first)
  make_binary(n)       acks with n bytes: byte i = (7 * i + 3) % 256
  call_me(x)           calls "question" on the client (waits for its ack), then emits "call_result"
  disconnect_me()      server-side namespace disconnect (Socket.IO DISCONNECT "41")
  drop_transport()     closes the client's Engine.IO session
  stream:init / fragment:data / stream:end
                       a minimal STS (docs/protocol.md): stream:ready; fragment:ack then a
                       fragment:processed that echoes the audio with status success and the texts
                       "one two" / "uno dos", minus the keys named by --omit (a service breaking the
                       protocol, FR-022); stream:complete
Namespace "/monitor":
  on connect           emits "monitor:hello" {"namespace": "/monitor"} from the connect handler
                       (that is, before the CONNECT reply)
  echo(*args)          as on "/"
  broadcast            "peer:connected" / "peer:disconnected" {"sid", "reason"} for clients of "/"
"""

import argparse
import asyncio
import hashlib
import os
import signal
import sys
import zlib

import socketio
from aiohttp import web


def walk_bytes(value, out):
    if isinstance(value, (bytes, bytearray)):
        out.append(bytes(value))
    elif isinstance(value, dict):
        for item in value.values():
            walk_bytes(item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            walk_bytes(item, out)
    return out


def build(opts):
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        ping_interval=opts.ping_interval,
        ping_timeout=opts.ping_timeout,
        max_http_buffer_size=64 * 1024 * 1024,
    )

    def check_auth(auth):
        if opts.token is None:
            return
        if not isinstance(auth, dict) or auth.get("token") != opts.token:
            raise socketio.exceptions.ConnectionRefusedError(
                "UNAUTHORIZED",
                {"code": "UNAUTHORIZED", "message": "missing or invalid auth token", "retryable": False},
            )

    @sio.event
    async def connect(sid, environ, auth):
        check_auth(auth)
        await sio.emit("peer:connected", {"sid": sid}, namespace="/monitor")

    @sio.event
    async def disconnect(sid, reason):
        await sio.emit("peer:disconnected", {"sid": sid, "reason": str(reason)}, namespace="/monitor")

    @sio.on("connect", namespace="/monitor")
    async def monitor_connect(sid, environ, auth):
        check_auth(auth)
        await sio.emit("monitor:hello", {"namespace": "/monitor"}, to=sid, namespace="/monitor")

    add_test_events(sio)
    add_sts_events(sio, opts)
    return sio


def add_test_events(sio):
    """The generic events the Socket.IO client tests drive (echo, binaries, calls, drops)."""

    @sio.on("echo")
    async def echo_root(sid, *args):
        await sio.emit("echo", args, to=sid)
        return args

    @sio.on("echo", namespace="/monitor")
    async def echo_monitor(sid, *args):
        await sio.emit("echo", args, to=sid, namespace="/monitor")
        return args

    @sio.on("describe")
    async def describe(sid, *args):
        blobs = walk_bytes(list(args), [])
        return {"binary_sizes": [len(b) for b in blobs], "binary_crc32": [zlib.crc32(b) for b in blobs]}

    @sio.on("make_binary")
    async def make_binary(sid, n):
        return bytes((7 * i + 3) % 256 for i in range(int(n)))

    @sio.on("call_me")
    async def call_me(sid, x):
        answer = await sio.call("question", x, to=sid, timeout=30)
        await sio.emit("call_result", {"asked": x, "answer": answer}, to=sid)

    @sio.on("disconnect_me")
    async def disconnect_me(sid, *args):
        await sio.disconnect(sid)

    @sio.on("drop_transport")
    async def drop_transport(sid, *args):
        eio_sid = sio.manager.eio_sid_from_sid(sid, "/")
        await sio.eio.disconnect(eio_sid)


def processed_payload(init, frag, omit):
    """A successful fragment:processed echoing `frag`, without the keys in `omit`."""
    ids = {k: frag[k] for k in ("stream_id", "fragment_id", "sequence_number")}
    processed = dict(
        ids,
        pts_ns=frag["pts_ns"],
        duration_ns=frag["duration_ns"],
        status="success",
        transcript="one two",
        translated_text="uno dos",
        dubbed_audio=frag["audio"],
        dubbed_audio_sha256=hashlib.sha256(frag["audio"]).hexdigest(),
        sample_rate=init["sample_rate"],
        channels=init["channels"],
        sample_format=init["sample_format"],
        processing_time_ms=1.0,
        queue_time_ms=0.0,
        stage_timings_ms={"asr": 0.5, "translation": 0.25, "tts": 0.25},
        error=None,
    )
    for key in omit:
        processed.pop(key, None)
    return processed


def add_sts_events(sio, opts):
    """A minimal STS protocol peer (stream:init -> ready, fragment:data -> ack + processed)."""
    streams = {}

    @sio.on("stream:init")
    async def stream_init(sid, init):
        streams[(sid, init["stream_id"])] = init
        await sio.emit(
            "stream:ready",
            {"stream_id": init["stream_id"], "protocol_version": 1, "mode": "real", "limits": {"max_inflight": 3}},
            to=sid,
        )

    @sio.on("fragment:data")
    async def fragment_data(sid, frag):
        init = streams[(sid, frag["stream_id"])]
        ids = {k: frag[k] for k in ("stream_id", "fragment_id", "sequence_number")}
        await sio.emit("fragment:ack", dict(ids, status="queued", inflight=1), to=sid)
        await sio.emit("fragment:processed", processed_payload(init, frag, opts.omit), to=sid)

    @sio.on("stream:end")
    async def stream_end(sid, end):
        streams.pop((sid, end["stream_id"]), None)
        await sio.emit("stream:complete", {"stream_id": end["stream_id"]}, to=sid)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token")
    parser.add_argument("--ping-interval", type=float, default=25.0)
    parser.add_argument("--ping-timeout", type=float, default=20.0)
    parser.add_argument("--omit", action="append", default=[])
    opts = parser.parse_args()

    sio = build(opts)
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", opts.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)

    def exit_now():
        os._exit(0)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, exit_now)
    # stdin closing (the test is done, or died) stops the server too.
    loop.add_reader(sys.stdin.fileno(), lambda: None if sys.stdin.buffer.read1(4096) else exit_now())
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
