"""Spec US1-6: the transcript and translation of every fragment are in the service's structured log,
as fields of the line that also names the stream and the fragment (what a scenario matches by field:
`wait: {log: {fields: {stream_id: ..., stage: done}, nonempty: [transcript, translated_text]}}`)."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from conftest import Client, RunningServer, checking_engine

from sts_service.logs import JsonFormatter
from sts_service.pipeline import FrameProcessor, InputAudioFrame, OutputAudioFrame

INIT = {
    "stream_id": "live-log-1",
    "source_language": "en",
    "target_language": "es",
    "sample_rate": 48000,
    "channels": 1,
    "sample_format": "s16le",
    "fragment_duration_ns": 100_000_000,
}


class Texts(FrameProcessor):
    """Echoes the audio with a transcript and a translation that name the fragment."""

    stage = "tts"
    accepts = (InputAudioFrame,)

    async def process(self, frame, ctx):
        ctx.mark_start(time.perf_counter())
        n = ctx.sequence_number
        return OutputAudioFrame(frame.pcm, f"number {n}", f"número {n}")


def test_every_processed_fragment_logs_its_texts_as_fields(base_config, caplog):
    caplog.set_level(logging.INFO, logger="sts.server")
    srv = RunningServer(base_config, checking_engine(base_config, [Texts()]))

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit("stream:init", INIT)
        assert (await c.next())[0] == "stream:ready"
        for i in range(2):
            audio = bytes(4800 * 2)
            await c.emit(
                "fragment:data",
                {
                    "stream_id": "live-log-1",
                    "fragment_id": f"live-log-1-{i}",
                    "sequence_number": i,
                    "pts_ns": i * 100_000_000,
                    "duration_ns": 100_000_000,
                    "audio": audio,
                },
            )
        await c.emit("stream:end", {"stream_id": "live-log-1"})
        await c.until("stream:complete")
        await c.close()

    try:
        asyncio.run(go())
    finally:
        srv.stop()
    lines = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if getattr(r, "stage", None) == "done" and getattr(r, "stream_id", None) == "live-log-1"
    ]
    assert [line["sequence_number"] for line in lines] == [0, 1]
    for n, line in enumerate(lines):
        assert line["fragment_id"] == f"live-log-1-{n}"
        assert line["status"] == "success"
        assert line["transcript"] == f"number {n}"
        assert line["translated_text"] == f"número {n}"
