"""The dubbed speech's level matching and peak limiting (sts_service/level.py) and their use by the
TTS stage: as loud as the speech it replaces, never clipped."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from conftest import require_tools

from sts_service.audio import PcmFormat, decode_pcm
from sts_service.level import CEILING_DBFS, limit_peaks, match_level, speech_level_db
from sts_service.pipeline import (
    FragmentContext,
    FunctionProcessor,
    InputAudioFrame,
    OutputAudioFrame,
    Pipeline,
    TranslationFrame,
)

RATE = 48000
CEILING = 10 ** (CEILING_DBFS / 20)


def tone(seconds: float, amplitude: float, freq: float = 220.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1)


def test_level_is_a_gated_mean_square():
    assert speech_level_db(tone(2, 0.1), RATE) == pytest.approx(-23.01, abs=0.05)
    # Pauses do not lower it (the gates drop the silent blocks), nor does a second identical channel.
    half = tone(2, 0.1)
    half[RATE // 2 : RATE + RATE // 2] = 0
    assert speech_level_db(half, RATE) == pytest.approx(-23.01, abs=0.05)
    assert speech_level_db(tone(2, 0.1, channels=2), RATE) == pytest.approx(-23.01, abs=0.05)
    assert speech_level_db(np.zeros((RATE, 1), np.float32), RATE) is None
    assert speech_level_db(np.zeros((10, 1), np.float32), RATE) is None


def test_limiter_keeps_every_sample_under_the_ceiling_and_leaves_quiet_audio_alone():
    rng = np.random.default_rng(7)
    loud = (rng.standard_normal((RATE, 2)) * 0.6).astype(np.float32)  # peaks well over full scale
    assert np.abs(loud).max() > 1.5
    out = limit_peaks(loud, RATE)
    assert out.shape == loud.shape
    assert np.abs(out).max() <= CEILING + 1e-6
    # Gain only ever goes down, and only where needed: a quiet stretch keeps its level.
    mixed = np.concatenate([tone(1, 0.05), tone(1, 1.2)])
    limited = limit_peaks(mixed, RATE)
    assert np.abs(limited).max() <= CEILING + 1e-6
    assert np.allclose(limited[: RATE // 2], mixed[: RATE // 2])
    quiet = tone(1, 0.3)
    assert np.array_equal(limit_peaks(quiet, RATE), quiet)
    assert limit_peaks(np.zeros((0, 1), np.float32), RATE).shape == (0, 1)


def test_match_level_brings_loud_speech_down_to_the_original():
    original = tone(6, 0.05, freq=180.0)
    loud_tts = tone(3, 0.98, freq=300.0)
    out, info = match_level(loud_tts, original, RATE)
    assert speech_level_db(out, RATE) == pytest.approx(speech_level_db(original, RATE), abs=0.1)
    assert info["gain_db"] < -20
    assert np.abs(out).max() <= CEILING + 1e-6
    # A quiet original is matched upwards; where that would clip, the limiter steps in.
    out, info = match_level(tone(3, 0.05), tone(6, 0.99), RATE)
    assert np.abs(out).max() <= CEILING + 1e-6
    assert info["limited_db"] > 0
    assert type(info["limited_db"]) is float and type(info["gain_db"]) is float  # plain JSON in the log
    # Without speech in the original there is nothing to match: only the limiter acts.
    out, info = match_level(tone(3, 1.5), np.zeros((RATE, 1), np.float32), RATE)
    assert "gain_db" not in info
    assert np.abs(out).max() <= CEILING + 1e-6


def test_the_pipeline_hands_the_input_to_every_stage():
    fmt = PcmFormat(RATE, 1, "s16le")
    samples = tone(1, 0.2)
    seen = {}

    def tts(frame, ctx):
        seen["input"] = ctx.input_samples
        return OutputAudioFrame(bytes(RATE * 2), "x", "y")

    ctx = FragmentContext("s", "f", 0, fmt, "en", "es", RATE)
    pipeline = Pipeline([FunctionProcessor("tts", tts, accepts=(InputAudioFrame,))])
    asyncio.run(pipeline.run(InputAudioFrame(bytes(RATE * 2), samples), ctx))
    assert seen["input"] is samples


@pytest.mark.parametrize("original_amplitude", [0.02, 0.1])
def test_tts_output_is_as_loud_as_the_original_and_never_clips(original_amplitude):
    require_tools("espeak-ng", "sox")
    from sts_service.tts import TtsProcessor
    from sts_service.tts import make_provider as make_tts

    fmt = PcmFormat(RATE, 1, "s16le")
    proc = TtsProcessor(make_tts("espeak-ng", "es", 160), max_tempo=2.5, min_tempo=0.85)
    ctx = FragmentContext("s", "f", 0, fmt, "en", "es", 6 * RATE)
    ctx.input_samples = tone(6, original_amplitude, freq=150.0)
    # Much text for 6 s: sped up, where the unlimited tempo change overshot full scale.
    text = "Uno, dos, tres, cuatro, cinco, seis, siete, ocho, nueve, diez."
    out = proc.process_sync(TranslationFrame("x", text, 0.0), ctx)
    pcm = np.frombuffer(out.pcm, dtype="<i2")
    assert np.abs(pcm.astype(np.int32)).max() <= round(CEILING * 32768) + 1  # under the ceiling: no clipping
    level = speech_level_db(decode_pcm(out.pcm, fmt), RATE)
    assert level == pytest.approx(speech_level_db(ctx.input_samples, RATE), abs=1.0)
    assert "gain_db" in ctx.info["tts"]
