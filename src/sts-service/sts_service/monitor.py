"""Read-only /monitor namespace: summaries of everything the service did, for tests that watch a
pipeline they do not drive."""

from __future__ import annotations

import collections
import logging
from typing import TYPE_CHECKING, Any

import socketio

from . import auth
from . import protocol as p
from .config import PROTOCOL_VERSION, Config

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine
    from .metrics import Metrics

log = logging.getLogger("sts.monitor")


class Monitor:
    def __init__(self, sio: socketio.AsyncServer, config: Config, engine: Engine, metrics: Metrics):
        self.sio = sio
        self.config = config
        self.engine = engine
        self.metrics = metrics
        self.recent: collections.deque[p.FragmentSummary] = collections.deque(maxlen=max(1, config.monitor_history))

    def register(self) -> None:
        sio = self.sio
        ns = p.MONITOR_NAMESPACE

        @sio.on("connect", namespace=ns)
        async def connect(sid: str, environ: dict[str, Any], auth_data: Any = None) -> None:
            auth.check(self.config.auth_token, environ, auth_data, self.metrics, ns)
            self.metrics.clients.labels(ns).inc()
            hello = p.MonitorHello(
                protocol_version=PROTOCOL_VERSION,
                mode=self.config.mode,
                models=p.ModelNames(**self.engine.model_names),
                recent=list(self.recent) if self.config.monitor_history else [],
            )
            # emitted after the CONNECT reply (python-socketio sends the reply when this returns)
            sio.start_background_task(self._hello, sid, hello)

        @sio.on("disconnect", namespace=ns)
        async def disconnect(sid: str, *args: Any) -> None:
            self.metrics.clients.labels(ns).dec()

        @sio.on("*", namespace=ns)
        async def any_event(event: str, sid: str, *args: Any) -> None:
            self.metrics.errors.labels("READ_ONLY_NAMESPACE").inc()
            await sio.emit(
                p.EV_ERROR,
                p.dump(
                    p.error_event(
                        p.ErrorCode.READ_ONLY_NAMESPACE, f"{ns} is read-only; event {event!r} ignored", event=event
                    )
                ),
                to=sid,
                namespace=ns,
            )

    async def _hello(self, sid: str, hello: p.MonitorHello) -> None:
        await self.sio.emit(p.EV_MONITOR_HELLO, p.dump(hello), to=sid, namespace=p.MONITOR_NAMESPACE)

    async def stream_started(self, sid: str, init: p.StreamInit) -> None:
        started = p.StreamStarted(**init.model_dump(), client_sid=sid)
        await self.sio.emit(p.EV_MONITOR_STREAM_STARTED, p.dump(started), namespace=p.MONITOR_NAMESPACE)

    async def fragment(self, summary: p.FragmentSummary) -> None:
        if self.config.monitor_history:
            self.recent.append(summary)
        await self.sio.emit(p.EV_MONITOR_FRAGMENT, p.dump(summary), namespace=p.MONITOR_NAMESPACE)

    async def stream_completed(self, complete: p.StreamComplete) -> None:
        await self.sio.emit(p.EV_MONITOR_STREAM_COMPLETED, p.dump(complete), namespace=p.MONITOR_NAMESPACE)
