"""Real models, real fixture: fixtures/test_streams/30s-english-speech.mp4 (espeak-ng English counting
"one" .. "thirty", one number per second, AAC 48 kHz). On each installed model (base, tiny.en):

- its first 6 s transcribe to "one two three four five six" (normalised), translate to Spanish number
  words and are synthesised as Spanish speech exactly as long as the input;
- the whole 30 s through the Socket.IO server as five 6 s fragments, answered in order;
- silence in, silence out.

And on base (the default): silence and -50 dBFS white noise go through Whisper itself (energy gate
off) and come back as no words; English speech is transcribed with the source language of
stream:init; an ASR_MODEL that is not installed stops the service naming the installed ones."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from conftest import (
    FIXTURE,
    IMAGE_MODELS,
    MODEL_DIR,
    STS_DIR,
    Client,
    RunningServer,
    espeak_en,
    free_port,
    require_model,
    require_tools,
    unavailable,
)

from sts_service.audio import PcmFormat, decode_pcm, encode_pcm, rms_dbfs
from sts_service.config import Config
from sts_service.engine import Engine
from sts_service.text import normalise_for_compare

pytestmark = pytest.mark.real_model

FMT = PcmFormat(48000, 1, "s16le")
EN = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "twenty one",
    "twenty two",
    "twenty three",
    "twenty four",
    "twenty five",
    "twenty six",
    "twenty seven",
    "twenty eight",
    "twenty nine",
    "thirty",
]
ES_1_6 = "uno dos tres cuatro cinco seis"


def fixture_pcm(path=None) -> bytes:
    path = path or FIXTURE
    if path is None or not path.exists():
        unavailable(
            "fixtures/test_streams/30s-english-speech.mp4 not found (run the fixture generator; the "
            "README test command always has it)"
        )
    from faster_whisper import decode_audio

    audio = decode_audio(str(path), sampling_rate=FMT.sample_rate)  # PyAV: AAC -> float32 mono
    return encode_pcm(audio[:, None], FMT)


@pytest.fixture(scope="module", params=IMAGE_MODELS)
def engine(request):
    require_model(request.param)
    require_tools("apertium", "espeak-ng", "sox")
    eng = Engine(Config(asr_model=request.param, asr_model_dir=str(MODEL_DIR), warmup=False))
    eng.load()
    yield eng
    eng.shutdown()


def test_first_six_seconds_transcribe_translate_synthesise(engine):
    pcm = fixture_pcm()
    six = pcm[: 6 * FMT.sample_rate * FMT.bytes_per_frame]
    out = asyncio.run(engine.run_fragment(six, FMT, "fixture", "f0", 0, "en", "es", timeout_s=120))
    r = out.result
    assert r.status == "success", r.error
    assert normalise_for_compare(r.transcript) == "one two three four five six", r.transcript
    assert normalise_for_compare(r.translated_text) == ES_1_6, r.translated_text
    assert len(r.pcm) == len(six)  # exactly as long as the original (0 ms off)
    dub = decode_pcm(r.pcm, FMT)
    assert rms_dbfs(dub) > -40  # speech, not silence
    assert r.pcm != six  # a dub, not the input
    tts = r.info["tts"]
    assert tts["spoken"] and not tts["truncated"]
    assert set(r.timings_ms) == {"asr", "translation", "tts"} and all(v > 0 for v in r.timings_ms.values())


def test_silence_in_silence_out(engine):
    silence = bytes(6 * FMT.sample_rate * FMT.bytes_per_frame)
    out = asyncio.run(engine.run_fragment(silence, FMT, "s", "f", 0, "en", "es", timeout_s=120))
    assert out.result.status == "success" and out.result.error is None
    assert normalise_for_compare(out.result.transcript) == ""
    assert out.result.translated_text == ""
    assert out.result.pcm == silence


def test_thirty_seconds_through_the_server(engine):
    """Five 6 s fragments over Socket.IO with MAX_INFLIGHT=3: all answered, in order, each with the
    expected numbers (all of them for fragment 0; most of them for the others, the tiny model
    occasionally repeats a word), dubbed audio as long as the input."""
    pcm = fixture_pcm()
    cfg = replace(engine.config, max_inflight=3)
    srv = RunningServer(cfg, engine)
    frag_bytes = 6 * FMT.sample_rate * FMT.bytes_per_frame

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit(
            "stream:init",
            {
                "stream_id": "fixture",
                "source_language": "en",
                "target_language": "es",
                "sample_rate": 48000,
                "channels": 1,
                "sample_format": "s16le",
                "fragment_duration_ns": 6_000_000_000,
            },
        )
        ev, _ = await c.next()
        assert ev == "stream:ready"
        results, sent, inflight = [], 0, 0
        while len(results) < 5:
            while sent < 5 and inflight < 3:
                chunk = pcm[sent * frag_bytes : (sent + 1) * frag_bytes]
                await c.emit(
                    "fragment:data",
                    {
                        "stream_id": "fixture",
                        "fragment_id": f"fixture-{sent}",
                        "sequence_number": sent,
                        "pts_ns": sent * 6_000_000_000,
                        "duration_ns": 6_000_000_000,
                        "audio": chunk,
                    },
                )
                sent += 1
                inflight += 1
            ev, data = await c.next(timeout=300)
            assert ev in ("fragment:ack", "fragment:processed"), (ev, data)
            if ev == "fragment:processed":
                results.append(data)
                inflight -= 1
        await c.emit("stream:end", {"stream_id": "fixture"})
        _, complete = await c.until("stream:complete", timeout=60)
        await c.close()
        return results, complete

    try:
        results, complete = asyncio.run(go())
    finally:
        srv.stop()
    assert [r["sequence_number"] for r in results] == [0, 1, 2, 3, 4]
    assert complete["fragments_processed"] == 5 and complete["fragments_failed"] == 0
    for i, r in enumerate(results):
        assert r["status"] == "success", r["error"]
        assert len(r["dubbed_audio"]) == frag_bytes
        words = normalise_for_compare(r["transcript"])
        expected = EN[i * 6 : (i + 1) * 6]
        found = sum(1 for w in expected if f" {w} " in f" {words} ")
        assert found >= (6 if i == 0 else 4), (i, r["transcript"])
        assert r["translated_text"], r
    assert normalise_for_compare(results[0]["translated_text"]) == ES_1_6


def test_silence_fixture_gives_empty_transcripts(engine):
    silent = FIXTURE.parent / "30s-silence.mp4" if FIXTURE else None
    if silent is None or not silent.exists():
        unavailable("fixtures/test_streams/30s-silence.mp4 not found")
    pcm = fixture_pcm(silent)
    six = pcm[: 6 * FMT.sample_rate * FMT.bytes_per_frame]
    out = asyncio.run(engine.run_fragment(six, FMT, "s", "f", 0, "en", "es", timeout_s=120))
    assert out.result.status == "success"
    assert len(normalise_for_compare(out.result.transcript).split()) <= 2
    x = decode_pcm(out.result.pcm, FMT)
    if not normalise_for_compare(out.result.transcript):
        assert not np.any(x)


# ------------------------------------------------------------------ base (the default model)

QUIET_SAMPLES = 6 * 16000  # one 6 s fragment at Whisper's 16 kHz
MAX_WORDS_IN_QUIET = 2  # the bound: at most 2 words from silence or noise (measured: none)


def quiet_inputs() -> dict[str, np.ndarray]:
    """Digital silence and white noise at -50 dBFS RMS (fixed seed), 6 s, mono 16 kHz."""
    noise = np.random.default_rng(20240501).standard_normal(QUIET_SAMPLES) * 10 ** (-50 / 20)
    return {"digital silence": np.zeros(QUIET_SAMPLES, np.float32), "white noise -50 dBFS": noise.astype(np.float32)}


@pytest.fixture(scope="module")
def base_asr():
    from sts_service.asr import WhisperAsr

    require_model("base")
    return WhisperAsr(str(MODEL_DIR), "base", silence_gate=False)


class Spy:
    """Wraps WhisperModel.transcribe: records the keyword arguments of every call."""

    def __init__(self, model):
        self.real = model.transcribe
        self.calls: list[dict] = []

    def __call__(self, *args, **kwargs):
        self.calls.append(kwargs)
        return self.real(*args, **kwargs)


def test_quiet_inputs_are_what_they_claim():
    x = quiet_inputs()
    assert not np.any(x["digital silence"])
    assert abs(rms_dbfs(x["white noise -50 dBFS"]) - (-50.0)) < 0.2


def test_base_gate_off_silence_and_noise_go_through_whisper_and_give_no_words(base_asr, monkeypatch):
    """ASR_SILENCE_GATE=0: nothing is answered before Whisper; Whisper (with the service's settings:
    language from stream:init, VAD) returns at most MAX_WORDS_IN_QUIET words."""
    assert base_asr.multilingual and not base_asr.silence_gate
    spy = Spy(base_asr.model)
    monkeypatch.setattr(base_asr.model, "transcribe", spy)
    for name, x in quiet_inputs().items():
        res = base_asr.transcribe(x, "en")
        words = normalise_for_compare(res.text).split()
        assert len(words) <= MAX_WORDS_IN_QUIET, (name, res.text)
    assert len(spy.calls) == 2  # both went through the model, none stopped by the gate
    assert all(c["language"] == "en" for c in spy.calls)


def test_base_whisper_itself_without_vad_gives_no_words_for_silence_and_noise(base_asr):
    """The decoder alone (no VAD in front, no gate): Whisper's own no-speech detection."""
    for name, x in quiet_inputs().items():
        segments, _ = base_asr.model.transcribe(
            x, language="en", beam_size=1, condition_on_previous_text=False, vad_filter=False
        )
        text = " ".join(s.text for s in segments)
        assert len(normalise_for_compare(text).split()) <= MAX_WORDS_IN_QUIET, (name, text)


def test_base_gate_on_answers_silence_without_whisper(monkeypatch):
    """The default (ASR_SILENCE_GATE=1): digital silence never reaches the model."""
    from sts_service.asr import WhisperAsr

    require_model("base")
    asr = WhisperAsr(str(MODEL_DIR), "base")
    spy = Spy(asr.model)
    monkeypatch.setattr(asr.model, "transcribe", spy)
    assert asr.transcribe(quiet_inputs()["digital silence"], "en").text == ""
    assert spy.calls == []


def test_base_transcribes_english_with_the_source_language_of_stream_init(monkeypatch):
    """A base engine behind the Socket.IO server: stream:init says source_language "en-US"; Whisper is
    called with language "en" (no detection) and the English sentence comes back."""
    require_model("base")
    require_tools("apertium", "espeak-ng", "sox")
    eng = Engine(Config(asr_model="base", asr_model_dir=str(MODEL_DIR), warmup=False))
    eng.load()
    asr = eng.pipeline.processors[0].asr
    assert asr.name == "base" and asr.multilingual
    spy = Spy(asr.model)
    monkeypatch.setattr(asr.model, "transcribe", spy)
    fmt = PcmFormat(16000, 1, "s16le")
    pcm = espeak_en("Good morning. My name is John and I live in London.", fmt, seconds=6)
    srv = RunningServer(replace(eng.config, max_inflight=1), eng)

    async def go():
        c = Client()
        await c.connect(srv.url)
        await c.emit(
            "stream:init",
            {
                "stream_id": "base-en",
                "source_language": "en-US",
                "target_language": "es",
                "sample_rate": 16000,
                "channels": 1,
                "sample_format": "s16le",
                "fragment_duration_ns": 6_000_000_000,
            },
        )
        ev, _ = await c.next()
        assert ev == "stream:ready"
        await c.emit(
            "fragment:data",
            {
                "stream_id": "base-en",
                "fragment_id": "base-en-0",
                "sequence_number": 0,
                "pts_ns": 0,
                "duration_ns": 6_000_000_000,
                "audio": pcm,
            },
        )
        _, processed = await c.until("fragment:processed", timeout=120)
        await c.close()
        return processed

    try:
        r = asyncio.run(go())
    finally:
        srv.stop()
        eng.shutdown()
    assert r["status"] == "success", r["error"]
    assert [c["language"] for c in spy.calls] == ["en"]
    words = normalise_for_compare(r["transcript"])
    assert "good morning" in words and "my name is john" in words and "london" in words, r["transcript"]
    assert r["translated_text"], r


def test_unknown_asr_model_stops_the_service_listing_the_installed_ones():
    from sts_service.asr import installed_models

    require_model("base")
    require_model("tiny.en")
    env = dict(
        os.environ,
        ASR_MODEL="whisper-small",
        ASR_MODEL_DIR=str(MODEL_DIR),
        STS_MODE="real",
        PORT=str(free_port()),
        HOST="127.0.0.1",
        STS_WARMUP="0",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sts_service"], cwd=STS_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    have = installed_models(str(MODEL_DIR))
    assert {"base", "tiny.en"} <= set(have)
    assert "no Whisper 'small' model" in out, out
    assert f"Installed in {MODEL_DIR}: {', '.join(have)}." in out, out
    assert f"at {MODEL_DIR}/<name>" in out and "set ASR_MODEL=<name>" in out, out
    assert "listening" not in out  # stopped before serving
