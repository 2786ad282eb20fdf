"""Composable processors: typed frames flow ASR -> MT -> TTS; a failing stage yields partial/failed
with the reason, never an exception."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from sts_service.audio import PcmFormat, encode_pcm
from sts_service.config import Config
from sts_service.engine import Engine
from sts_service.pipeline import (
    FragmentContext,
    FunctionProcessor,
    InputAudioFrame,
    OutputAudioFrame,
    Pipeline,
    TranscriptionFrame,
    TranslationFrame,
)

FMT = PcmFormat(16000, 1, "s16le")


def make_input(frames: int = 1600) -> tuple[InputAudioFrame, FragmentContext]:
    x = (0.1 * np.sin(np.arange(frames) / 5)).astype(np.float32)[:, None]
    pcm = encode_pcm(x, FMT)
    ctx = FragmentContext("s", "f", 0, FMT, "en", "es", frames)
    return InputAudioFrame(pcm, x), ctx


def asr_ok(frame, ctx):
    return TranscriptionFrame("one two", "en", 0.0, [(0.0, 1.0, "one two")])


def mt_ok(frame, ctx):
    return TranslationFrame(frame.text, "uno dos", frame.speech_start_s)


def tts_ok(frame, ctx):
    return OutputAudioFrame(bytes(ctx.frames * ctx.fmt.bytes_per_frame), "one two", frame.text)


def boom(frame, ctx):
    raise RuntimeError("engine exploded")


def run(pipeline: Pipeline):
    frame, ctx = make_input()
    return frame, asyncio.run(pipeline.run(frame, ctx))


def test_all_stages_success_and_timings():
    p = Pipeline(
        [FunctionProcessor("asr", asr_ok), FunctionProcessor("translation", mt_ok), FunctionProcessor("tts", tts_ok)]
    )
    frame, res = run(p)
    assert res.status == "success" and res.error is None
    assert (res.transcript, res.translated_text) == ("one two", "uno dos")
    assert len(res.pcm) == len(frame.pcm)
    assert set(res.timings_ms) == {"asr", "translation", "tts"} and all(v >= 0 for v in res.timings_ms.values())


@pytest.mark.parametrize(
    "failing,status,transcript",
    [
        ("asr", "failed", ""),
        ("translation", "partial", "one two"),
        ("tts", "partial", "one two"),
    ],
)
def test_failing_stage(failing, status, transcript):
    fns = {"asr": asr_ok, "translation": mt_ok, "tts": tts_ok}
    fns[failing] = boom
    p = Pipeline([FunctionProcessor(k, v) for k, v in fns.items()])
    frame, res = run(p)
    assert res.status == status
    assert res.transcript == transcript
    assert res.error.stage == failing and res.error.code == "STAGE_FAILED"
    assert "engine exploded" in res.error.message
    assert res.pcm == frame.pcm  # passthrough


def test_wrong_frame_type_is_an_error_not_a_crash():
    p = Pipeline([FunctionProcessor("asr", asr_ok), FunctionProcessor("tts", tts_ok)])  # skips MT
    _, res = run(p)
    assert res.status == "partial" and res.error.code == "INTERNAL"


def test_engine_timeout_is_failed_with_passthrough():
    cfg = Config(warmup=False, processing_timeout_s=0.05)
    eng = Engine(cfg)

    def slow(frame, ctx):
        import time

        time.sleep(0.5)
        return asr_ok(frame, ctx)

    eng.pipeline = Pipeline([FunctionProcessor("asr", slow)])
    frame, _ = make_input()
    out = asyncio.run(eng.run_fragment(frame.pcm, FMT, "s", "f", 0, "en", "es", timeout_s=0.05))
    assert out.result.status == "failed" and out.result.error.code == "PROCESSING_TIMEOUT"
    assert out.result.pcm == frame.pcm
    eng.shutdown()


def test_echo_engine():
    eng = Engine(Config(mode="echo", warmup=False))
    eng.load()
    frame, _ = make_input()
    out = asyncio.run(eng.run_fragment(frame.pcm, FMT, "s", "f", 0, "en", "es", timeout_s=5))
    assert out.result.status == "success" and out.result.pcm == frame.pcm
    assert out.result.transcript == "" and out.result.translated_text == ""
    eng.shutdown()
