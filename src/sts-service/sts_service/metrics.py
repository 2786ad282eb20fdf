"""Prometheus metrics (one registry per service instance, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    4.0,
    6.0,
    8.0,
    10.0,
    15.0,
    20.0,
    30.0,
    60.0,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.fragments = Counter(
            "sts_fragments_total", "Fragments answered with fragment:processed, by status", ["status"], registry=r
        )
        self.errors = Counter(
            "sts_errors_total", "error events sent to clients and failed fragments, by code", ["code"], registry=r
        )
        self.stage_latency = Histogram(
            "sts_stage_latency_seconds",
            "Processing time per stage (asr, translation, tts) and in total",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "sts_queue_wait_seconds",
            "Time between receipt and start of processing",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.inflight = Gauge("sts_inflight_fragments", "Fragments accepted and not yet answered", registry=r)
        self.streams = Gauge("sts_active_streams", "Streams initialised and not complete", registry=r)
        self.clients = Gauge(
            "sts_connected_clients", "Socket.IO clients connected, by namespace", ["namespace"], registry=r
        )
        self.model_loaded = Gauge(
            "sts_model_loaded", "1 when the component is loaded and ready", ["component"], registry=r
        )
        self.audio_seconds = Counter("sts_audio_seconds_total", "Seconds of audio accepted", registry=r)
        for status in ("success", "partial", "failed"):
            self.fragments.labels(status)
        for stage in ("asr", "translation", "tts", "total"):
            self.stage_latency.labels(stage)
        for ns in ("/", "/monitor"):
            self.clients.labels(ns)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
