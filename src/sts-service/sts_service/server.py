"""Socket.IO (python-socketio AsyncServer on aiohttp) + HTTP /health and /metrics.

Per stream: fragments are accepted in sequence order, processed concurrently (up to MAX_INFLIGHT),
and answered strictly in sequence order by one emitter task per stream."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
import time
from typing import Any, Optional

from aiohttp import web

from . import auth, streams
from . import protocol as p
from .audio import PcmFormat, sha256_hex
from .config import (
    PROTOCOL_VERSION,
    SUPPORTED_CHANNELS,
    SUPPORTED_SAMPLE_FORMATS,
    SUPPORTED_SAMPLE_RATES,
    Config,
)
from .engine import Engine, FragmentOutcome
from .metrics import Metrics
from .monitor import Monitor
from .sio_guard import GuardedAsyncServer
from .streams import Pending, StreamState

log = logging.getLogger("sts.server")


class CanonicalJson:
    """JSON as the protocol specifies it: compact, keys sorted, UTF-8 (what nlohmann::json dump()
    writes), so both sides produce the same bytes."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    @staticmethod
    def loads(s: Any, **kw: Any) -> Any:
        return json.loads(s, **kw)


class StsServer:
    def __init__(self, config: Config, engine: Optional[Engine] = None):
        self.config = config
        self.engine = engine or Engine(config)
        self.metrics = Metrics()
        self.sio = GuardedAsyncServer(
            async_mode="aiohttp",
            cors_allowed_origins="*",
            json=CanonicalJson,
            # Handlers run inline, in arrival order: a fragment's checks and acceptance happen
            # before the next packet of the same client is looked at.
            async_handlers=False,
            max_http_buffer_size=config.transport_max_message_bytes,
            ping_interval=25,
            ping_timeout=20,
            logger=False,
            engineio_logger=False,
        )
        self.monitor = Monitor(self.sio, config, self.engine, self.metrics)
        self.streams: dict[tuple[str, str], StreamState] = {}
        self.app = web.Application(client_max_size=config.transport_max_message_bytes)
        self.sio.attach(self.app, socketio_path="socket.io")
        self.app.router.add_get("/health", self.health)
        self.app.router.add_get("/metrics", self.metrics_handler)
        self.app.router.add_get("/", self.index)
        self._register()
        self._load_thread: Optional[threading.Thread] = None
        self.started_at = time.time()
        if config.fault_delay_ms > 0:
            log.warning(
                "fault injection: every fragment is answered no earlier than %d ms after receipt (STS_FAULT_DELAY_MS)",
                config.fault_delay_ms,
            )

    # ------------------------------------------------------------ lifecycle

    def start_loading(self) -> None:
        """Load models in a background thread; HTTP answers /health 503 meanwhile."""

        def run() -> None:
            try:
                self.engine.load()
                for comp in ("asr", "translation", "tts"):
                    self.metrics.model_loaded.labels(comp).set(1)
            except Exception:
                pass  # state/error are on the engine; /health reports them

        self._load_thread = threading.Thread(target=run, name="model-loader", daemon=True)
        self._load_thread.start()

    def wait_loaded(self, timeout: Optional[float] = None) -> bool:
        if self._load_thread:
            self._load_thread.join(timeout)
        return self.engine.state == "ready"

    # ------------------------------------------------------------ HTTP

    async def index(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "service": "sts-service",
                "protocol": "docs/protocol.md",
                "protocol_version": PROTOCOL_VERSION,
                "socketio_path": "/socket.io",
            }
        )

    async def health(self, request: web.Request) -> web.Response:
        e = self.engine
        body: dict[str, Any] = {
            "status": {"ready": "ok", "loading": "loading", "error": "error"}[e.state],
            "mode": self.engine.config.mode,
            "protocol_version": PROTOCOL_VERSION,
            "uptime_s": round(time.time() - self.started_at, 3),
        }
        if e.state == "ready":
            body.update(e.describe())
            body["active_streams"] = len(self.streams)
            body["limits"] = p.dump(self.limits())
            if self.config.fault_delay_ms > 0:
                body["fault_delay_ms"] = self.config.fault_delay_ms
        elif e.state == "error":
            body["error"] = e.error
        return web.Response(
            text=CanonicalJson.dumps(body), content_type="application/json", status=200 if e.state == "ready" else 503
        )

    async def metrics_handler(self, request: web.Request) -> web.Response:
        data, ctype = self.metrics.render()
        return web.Response(body=data, headers={"Content-Type": ctype})

    # ------------------------------------------------------------ helpers

    def limits(self) -> p.Limits:
        c = self.config
        return p.Limits(
            max_inflight=c.max_inflight,
            max_fragment_bytes=c.max_fragment_bytes,
            max_fragment_duration_ns=c.max_fragment_duration_ns,
            duration_tolerance_ns=c.duration_tolerance_ns,
            processing_timeout_ms=round(c.processing_timeout_s * 1000),
            transport_max_message_bytes=c.transport_max_message_bytes,
        )

    def capabilities(self) -> p.Capabilities:
        real = self.engine.config.mode == "real"
        pairs = [p.LanguagePair(source=s, target=t) for s, t in self.engine.pairs] if real else []
        return p.Capabilities(
            sample_rates=list(SUPPORTED_SAMPLE_RATES),
            channels=list(SUPPORTED_CHANNELS),
            sample_formats=list(SUPPORTED_SAMPLE_FORMATS),
            language_pairs=pairs,
        )

    async def emit(self, event: str, model: p.BaseModel, sid: str) -> None:
        """Send one of the protocol's models on the main namespace."""
        await self.sio.emit(event, p.dump(model), to=sid, namespace=p.NAMESPACE)

    async def send_error(self, sid: str, err: p.ProtocolError, event: Optional[str]) -> None:
        self.metrics.errors.labels(err.code.value).inc()
        log.info(
            "error %s: %s",
            err.code.value,
            err.message,
            extra={
                "sid": sid,
                "event": event,
                "code": err.code.value,
                "stream_id": err.stream_id,
                "fragment_id": err.fragment_id,
            },
        )
        await self.emit(p.EV_ERROR, err.to_event(event), sid)

    # ------------------------------------------------------------ Socket.IO handlers

    def _register(self) -> None:
        sio = self.sio
        ns = p.NAMESPACE

        @sio.on("connect", namespace=ns)
        async def connect(sid: str, environ: dict[str, Any], auth_data: Any = None) -> None:
            auth.check(self.config.auth_token, environ, auth_data, self.metrics, ns)
            self.metrics.clients.labels(ns).inc()
            log.info("client connected", extra={"sid": sid})

        @sio.on("disconnect", namespace=ns)
        async def disconnect(sid: str, *args: Any) -> None:
            self.metrics.clients.labels(ns).dec()
            for key in [k for k in self.streams if k[0] == sid]:
                st = self.streams.pop(key)
                self.metrics.streams.dec()
                self.metrics.inflight.dec(st.inflight)
                if st.emitter:
                    st.emitter.cancel()
                log.info(
                    "client gone: stream dropped (%d in flight discarded)",
                    st.inflight,
                    extra={"sid": sid, "stream_id": st.init.stream_id},
                )
            log.info("client disconnected", extra={"sid": sid})

        @sio.on(p.EV_STREAM_INIT, namespace=ns)
        async def on_init(sid: str, *args: Any) -> None:
            await self._guard(sid, p.EV_STREAM_INIT, self.handle_init, args)

        @sio.on(p.EV_FRAGMENT_DATA, namespace=ns)
        async def on_fragment(sid: str, *args: Any) -> None:
            await self._guard(sid, p.EV_FRAGMENT_DATA, self.handle_fragment, args)

        @sio.on(p.EV_STREAM_END, namespace=ns)
        async def on_end(sid: str, *args: Any) -> None:
            await self._guard(sid, p.EV_STREAM_END, self.handle_end, args)

        @sio.on("*", namespace=ns)
        async def on_unknown(event: str, sid: str, *args: Any) -> None:
            await self.send_error(
                sid,
                p.ProtocolError(
                    p.ErrorCode.UNKNOWN_EVENT,
                    f"unknown event {event!r}; client events are {', '.join(p.CLIENT_EVENTS)}",
                ),
                event,
            )

        self.monitor.register()

    async def _guard(self, sid: str, event: str, handler: Any, args: tuple[Any, ...]) -> None:
        try:
            await handler(sid, args)
        except p.ProtocolError as err:
            if event == p.EV_FRAGMENT_DATA and err.stream_id:
                st = self.streams.get((sid, err.stream_id))
                if st:
                    st.rejected += 1
            await self.send_error(sid, err, event)
        except Exception as exc:  # never let a handler bug kill the connection
            log.exception("handler %s crashed", event, extra={"sid": sid})
            await self.send_error(sid, p.ProtocolError(p.ErrorCode.INTERNAL, f"internal error: {exc}"), event)

    # -- stream:init

    async def handle_init(self, sid: str, args: tuple[Any, ...]) -> None:
        msg: p.StreamInit = p.parse_payload(p.StreamInit, args, p.EV_STREAM_INIT)
        self._check_ready(msg.stream_id)
        self._check_format(msg)
        key = (sid, msg.stream_id)
        existing = self.streams.get(key)
        if existing is not None:
            if existing.init != msg or existing.ended:
                raise p.ProtocolError(
                    p.ErrorCode.STREAM_ALREADY_INITIALIZED,
                    f"stream {msg.stream_id} is already open on this connection with different parameters"
                    if not existing.ended
                    else f"stream {msg.stream_id} is ending; wait for stream:complete",
                    stream_id=msg.stream_id,
                )
        else:
            st = StreamState(sid, msg, PcmFormat(msg.sample_rate, msg.channels, msg.sample_format))
            st.emitter = asyncio.create_task(self._emitter(key, st))
            self.streams[key] = st
            self.metrics.streams.inc()
            log.info("stream initialised", extra={"sid": sid, "stream_id": msg.stream_id})
            await self.monitor.stream_started(sid, msg)
        await self.emit(p.EV_STREAM_READY, self._ready(msg), sid)

    def _ready(self, msg: p.StreamInit) -> p.StreamReady:
        accepted = msg.model_dump(include=set(p.AcceptedFormat.model_fields))
        return p.StreamReady(
            stream_id=msg.stream_id,
            protocol_version=PROTOCOL_VERSION,
            mode=self.engine.config.mode,
            accepted=p.AcceptedFormat(**accepted),
            capabilities=self.capabilities(),
            limits=self.limits(),
            models=p.ModelNames(**self.engine.model_names),
        )

    def _check_ready(self, stream_id: str) -> None:
        if self.engine.state == "ready":
            return
        if self.engine.state == "loading":
            raise p.ProtocolError(
                p.ErrorCode.SERVICE_NOT_READY, "models are still loading; retry shortly", stream_id=stream_id
            )
        raise p.ProtocolError(
            p.ErrorCode.INTERNAL, f"service cannot process audio: {self.engine.error}", stream_id=stream_id
        )

    def _check_format(self, msg: p.StreamInit) -> None:
        ids = {"stream_id": msg.stream_id}
        problems = []
        if msg.sample_rate not in SUPPORTED_SAMPLE_RATES:
            problems.append(
                f"sample_rate {msg.sample_rate} not supported "
                f"(supported: {', '.join(map(str, SUPPORTED_SAMPLE_RATES))})"
            )
        if msg.channels not in SUPPORTED_CHANNELS:
            problems.append(f"channels {msg.channels} not supported (supported: 1, 2)")
        if msg.sample_format not in SUPPORTED_SAMPLE_FORMATS:
            problems.append(f"sample_format {msg.sample_format!r} not supported (supported: s16le, f32le)")
        if problems:
            raise p.ProtocolError(p.ErrorCode.UNSUPPORTED_FORMAT, "stream:init: " + "; ".join(problems), **ids)
        if msg.fragment_duration_ns > self.config.max_fragment_duration_ns:
            raise p.ProtocolError(
                p.ErrorCode.INVALID_PAYLOAD,
                f"stream:init: fragment_duration_ns {msg.fragment_duration_ns} exceeds "
                f"max_fragment_duration_ns {self.config.max_fragment_duration_ns}",
                **ids,
            )
        if self.engine.config.mode == "real":
            pair = (msg.source_language.split("-")[0], msg.target_language.split("-")[0])
            if pair not in self.engine.pairs:
                have = ", ".join(f"{s}->{t}" for s, t in self.engine.pairs)
                raise p.ProtocolError(
                    p.ErrorCode.UNSUPPORTED_LANGUAGE,
                    f"stream:init: language pair {msg.source_language}->{msg.target_language} "
                    f"not supported (supported: {have})",
                    **ids,
                )

    # -- fragment:data

    async def handle_fragment(self, sid: str, args: tuple[Any, ...]) -> None:
        received_at = time.perf_counter()
        msg: p.FragmentData = p.parse_payload(p.FragmentData, args, p.EV_FRAGMENT_DATA)
        st, audio_ns = streams.check_fragment(msg, self.streams.get((sid, msg.stream_id)), self.config)
        st.accept(msg, audio_ns)
        self.metrics.inflight.inc()
        self.metrics.audio_seconds.inc(audio_ns / 1e9)
        remaining = self.config.processing_timeout_s - (time.perf_counter() - received_at)
        task = asyncio.create_task(
            self.engine.run_fragment(
                msg.audio,
                st.fmt,
                msg.stream_id,
                msg.fragment_id,
                msg.sequence_number,
                st.init.source_language,
                st.init.target_language,
                timeout_s=remaining,
                received_at=received_at,
            )
        )
        st.queue.put_nowait(Pending(msg, received_at, task, sha256_hex(msg.audio)))
        log.debug("fragment accepted", extra={"sid": sid, **streams.fragment_ids(msg)})
        await self.emit(p.EV_FRAGMENT_ACK, streams.ack(msg, st), sid)

    # -- stream:end

    async def handle_end(self, sid: str, args: tuple[Any, ...]) -> None:
        msg: p.StreamEnd = p.parse_payload(p.StreamEnd, args, p.EV_STREAM_END)
        st = self.streams.get((sid, msg.stream_id))
        if st is None:
            raise p.ProtocolError(
                p.ErrorCode.STREAM_NOT_INITIALIZED,
                f"stream:end: stream {msg.stream_id} is not initialised on this connection",
                stream_id=msg.stream_id,
            )
        if not st.ended:
            st.ended = True
            st.queue.put_nowait(None)  # the emitter completes the stream after the last fragment

    # -- ordered emission

    async def _emitter(self, key: tuple[str, str], st: StreamState) -> None:
        sid, stream_id = key
        try:
            while True:
                item = await st.queue.get()
                if item is None:
                    break
                outcome = await item.task
                await self._fault_delay(item)
                await self._emit_processed(sid, st, item, outcome)
            complete = st.complete()
            if self.streams.get(key) is st:
                del self.streams[key]
                self.metrics.streams.dec()
            await self.emit(p.EV_STREAM_COMPLETE, complete, sid)
            await self.monitor.stream_completed(complete)
            log.info(
                "stream complete: %d processed (%d ok, %d partial, %d failed), %d rejected",
                st.processed,
                st.succeeded,
                st.partial,
                st.failed,
                st.rejected,
                extra={"sid": sid, "stream_id": stream_id},
            )
        except asyncio.CancelledError:
            # client gone: let pending work finish in the background, drop the results
            while not st.queue.empty():
                item = st.queue.get_nowait()
                if item is not None:
                    item.task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)
            raise

    async def _fault_delay(self, item: Pending) -> None:
        """STS_FAULT_DELAY_MS: hold the answer until that long after the fragment was received."""
        delay_s = self.config.fault_delay_ms / 1000
        if delay_s <= 0:
            return
        remaining = item.received_at + delay_s - time.perf_counter()
        if remaining > 0:
            log.info(
                "fault injection: holding the answer for %.0f ms",
                remaining * 1000,
                extra=streams.fragment_ids(item.fragment),
            )
            await asyncio.sleep(remaining)

    async def _emit_processed(self, sid: str, st: StreamState, item: Pending, outcome: FragmentOutcome) -> None:
        answer = streams.processed(st, item, outcome)
        st.answered(answer.status, outcome.processing_time_ms)
        self._count(answer, outcome)
        self._log_processed(sid, answer, outcome)
        if self.streams.get((sid, answer.stream_id)) is st:
            await self.emit(p.EV_FRAGMENT_PROCESSED, answer, sid)
        await self.monitor.fragment(streams.summary(sid, st, item, answer))

    def _count(self, answer: p.FragmentProcessed, outcome: FragmentOutcome) -> None:
        m = self.metrics
        m.inflight.dec()
        m.fragments.labels(answer.status).inc()
        if answer.error:
            m.errors.labels(answer.error.code).inc()
        for k, v in answer.stage_timings_ms.model_dump().items():
            if v > 0:
                m.stage_latency.labels(k).observe(v / 1000)
        m.stage_latency.labels("total").observe(outcome.processing_time_ms / 1000)
        m.queue_wait.observe(outcome.queue_time_ms / 1000)

    def _log_processed(self, sid: str, answer: p.FragmentProcessed, outcome: FragmentOutcome) -> None:
        log.info(
            "fragment %s: %r -> %r",
            answer.status,
            answer.transcript,
            answer.translated_text,
            extra={
                "sid": sid,
                "stream_id": answer.stream_id,
                "fragment_id": answer.fragment_id,
                "sequence_number": answer.sequence_number,
                "stage": "done",
                # The texts as fields too (spec US1-6: transcripts and translations in the logs).
                "status": answer.status,
                "transcript": answer.transcript,
                "translated_text": answer.translated_text,
                "timings_ms": answer.stage_timings_ms.model_dump(),
                "processing_time_ms": answer.processing_time_ms,
                "queue_time_ms": answer.queue_time_ms,
                "info": _plain_info(outcome.result.info),
                "error": answer.error.model_dump() if answer.error else None,
            },
        )


def _plain_info(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if isinstance(v, (str, int, float, bool, dict, list, type(None)))}


async def serve(config: Config, exit_on_load_error: bool = True) -> int:
    """Run until cancelled. Returns 3 if the models could not be loaded (a misconfiguration such as
    TRANSLATION_PROVIDER=google without credentials fails loudly instead of serving errors)."""
    server = StsServer(config)
    server.start_loading()
    runner = web.AppRunner(server.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    log.info("listening on %s:%d (mode=%s, asr=%s)", config.host, config.port, config.mode, config.asr_model)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # PID 1 in a container: no default handlers
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except TimeoutError:
                pass
            if server.engine.state == "error" and exit_on_load_error:
                log.error("exiting: %s", server.engine.error)
                return 3
        log.info("stopping (signal)")
        return 0
    finally:
        await server.sio.shutdown()
        await runner.cleanup()
        server.engine.shutdown()
