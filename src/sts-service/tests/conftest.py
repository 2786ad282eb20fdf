"""Shared test helpers: where the protocol files, models and fixture are; a server running in a
background thread; a Socket.IO test client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest

STS_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(STS_DIR))

from sts_service.audio import PcmFormat, convert, encode_pcm, parse_wav  # noqa: E402
from sts_service.config import Config  # noqa: E402
from sts_service.engine import EchoProcessor, Engine  # noqa: E402
from sts_service.pipeline import Pipeline  # noqa: E402


def _first_existing(*candidates: Optional[Path]) -> Optional[Path]:
    for c in candidates:
        if c is not None and c.exists():
            return c
    return None


def _env_path(name: str) -> Optional[Path]:
    v = os.environ.get(name)
    return Path(v) if v else None


# docs/protocol in the repository; /app/protocol in the image (copied there by prepare-build).
PROTOCOL_DIR = _first_existing(
    _env_path("STS_PROTOCOL_DIR"),
    STS_DIR.parent.parent / "docs" / "protocol",
    STS_DIR / "protocol",
    STS_DIR / ".build" / "protocol",
)
# fixtures/test_streams in the repository; /app/fixtures in the image.
FIXTURE = _first_existing(
    _env_path("STS_FIXTURE"),
    STS_DIR.parent.parent / "fixtures" / "test_streams" / "30s-english-speech.mp4",
    STS_DIR / "fixtures" / "30s-english-speech.mp4",
    STS_DIR / ".build" / "fixtures" / "30s-english-speech.mp4",
)
MODEL_DIR = Path(os.environ.get("ASR_MODEL_DIR", "/opt/models/whisper"))
# The models the image installs (compose/sts/models.lock.json, the deployment files); the real-model tests run on each.
IMAGE_MODELS = ("base", "tiny.en")
# Set in the image (Dockerfile): there, weights, tools and fixtures are all present, so a real-model
# test that cannot run fails instead of being skipped.
REQUIRE_ALL = os.environ.get("STS_TESTS_REQUIRE_ALL", "") == "1"


def unavailable(reason: str) -> None:
    """A test's prerequisite is missing: skip it with the reason (host venv), fail in the image."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (STS_TESTS_REQUIRE_ALL=1: nothing may be skipped here)")
    pytest.skip(reason)


def protocol_file(*parts: str) -> Path:
    if PROTOCOL_DIR is None:
        pytest.skip("docs/protocol not found (set STS_PROTOCOL_DIR)")
    return PROTOCOL_DIR.joinpath(*parts)


def load_json(*parts: str) -> Any:
    return json.loads(protocol_file(*parts).read_text())


def have_model(name: str) -> bool:
    return (MODEL_DIR / name / "model.bin").is_file()


def require_model(name: str) -> None:
    if not have_model(name):
        unavailable(f"no Whisper '{name}' weights in {MODEL_DIR} (the image installs them; set ASR_MODEL_DIR)")


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        unavailable(f"missing tools: {', '.join(missing)}")


def espeak_en(text: str, fmt: PcmFormat, seconds: Optional[float] = None, rate_wpm: int = 150) -> bytes:
    """English speech from espeak-ng, converted to fmt (and padded/cut to `seconds`)."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "en", "-s", str(rate_wpm), "--stdout", text], capture_output=True, check=True
    ).stdout
    samples, rate = parse_wav(wav)
    x = convert(samples, rate, fmt.sample_rate, fmt.channels)
    if seconds is not None:
        n = round(seconds * fmt.sample_rate)
        x = np.vstack([x, np.zeros((max(0, n - len(x)), fmt.channels), np.float32)])[:n]
    return encode_pcm(x, fmt)


# ------------------------------------------------------------------ engines


def echo_engine(config: Config) -> Engine:
    eng = Engine(replace(config, mode="echo"))
    eng.load()
    return eng


def checking_engine(config: Config, processors: Optional[list] = None) -> Engine:
    """An engine configured as `real` (so language pairs are checked) whose pipeline is given
    processors (default: echo). For protocol tests that must not depend on model weights."""
    eng = Engine(replace(config, mode="real"))
    eng.pipeline = Pipeline(processors or [EchoProcessor()])
    eng.pairs = [("en", "es")]
    eng.model_names = {"asr": "test", "translation": "test", "tts": "test"}
    eng.state = "ready"
    return eng


# ------------------------------------------------------------------ a server in a thread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    def __init__(self, config: Config, engine: Optional[Engine] = None, load: bool = False):
        from aiohttp import web

        from sts_service.server import StsServer

        self.config = replace(config, host="127.0.0.1", port=free_port())
        self.server = StsServer(self.config, engine)
        self.url = f"http://127.0.0.1:{self.config.port}"
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._web = web
        if load:
            self.server.start_loading()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = self._web.AppRunner(self.server.app, access_log=None)
        self.loop.run_until_complete(runner.setup())
        site = self._web.TCPSite(runner, "127.0.0.1", self.config.port)
        self.loop.run_until_complete(site.start())
        self._runner = runner
        self._ready.set()
        self.loop.run_forever()

    async def _shutdown(self) -> None:
        await self.server.sio.shutdown()
        for st in list(self.server.streams.values()):
            if st.emitter:
                st.emitter.cancel()
        await self._runner.cleanup()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(15)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


@pytest.fixture
def base_config() -> Config:
    return Config(warmup=False, monitor_history=100)


class Client:
    """A Socket.IO client collecting every event it receives, in order."""

    EVENTS = (
        "stream:ready",
        "fragment:ack",
        "fragment:processed",
        "stream:complete",
        "error",
        "monitor:hello",
        "stream:started",
        "fragment:summary",
        "stream:completed",
    )

    def __init__(self, namespace: str = "/"):
        import socketio

        self.namespace = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queue: asyncio.Queue = asyncio.Queue()
        for ev in self.EVENTS:
            self.sio.on(ev, self._handler(ev), namespace=namespace)
        self.connect_error: Any = None

        async def on_connect_error(data: Any = None) -> None:
            self.connect_error = data

        self.sio.on("connect_error", on_connect_error, namespace=namespace)

    def _handler(self, ev: str):
        async def h(data: Any = None) -> None:
            await self.queue.put((ev, data))

        return h

    async def connect(self, url: str, auth: Any = None) -> None:
        await self.sio.connect(url, namespaces=[self.namespace], transports=["websocket"], auth=auth, wait_timeout=10)

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, namespace=self.namespace)

    async def next(self, timeout: float = 60.0) -> tuple[str, Any]:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def until(self, event: str, timeout: float = 120.0) -> tuple[list[tuple[str, Any]], Any]:
        """Collect events until `event` arrives; return (everything seen, that event's data)."""
        seen = []
        while True:
            ev, data = await self.next(timeout)
            seen.append((ev, data))
            if ev == event:
                return seen, data

    async def close(self) -> None:
        await self.sio.disconnect()
