"""Real models, real fixture: fixtures/test_streams/30s-english-speech.mp4 (espeak-ng English counting
"one" .. "thirty", one number per second, AAC 48 kHz).

- its first 6 s transcribe to "one two three four five six" (normalised), translate to Spanish number
  words and are synthesised as Spanish speech exactly as long as the input;
- the whole 30 s through the Socket.IO server as five 6 s fragments, answered in order;
- silence in, silence out."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pytest
from conftest import FIXTURE, MODEL_DIR, Client, RunningServer, have_model, require_tools

from sts_service.audio import PcmFormat, decode_pcm, encode_pcm, rms_dbfs
from sts_service.config import Config
from sts_service.engine import Engine
from sts_service.text import normalise_for_compare

pytestmark = pytest.mark.real_model

CANDIDATES = ("small", "base", "tiny.en")
INSTALLED = [m for m in CANDIDATES if have_model(m)]
MODELS = INSTALLED or [
    pytest.param(
        "none",
        marks=pytest.mark.skip(
            reason=f"no Whisper weights in {MODEL_DIR} (the image installs them; set ASR_MODEL_DIR)"
        ),
    )
]
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
        pytest.skip(
            "fixtures/test_streams/30s-english-speech.mp4 not found (run the fixture generator; the "
            "README test command always has it)"
        )
    from faster_whisper import decode_audio

    audio = decode_audio(str(path), sampling_rate=FMT.sample_rate)  # PyAV: AAC -> float32 mono
    return encode_pcm(audio[:, None], FMT)


@pytest.fixture(scope="module", params=MODELS)
def engine(request):
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
        pytest.skip("fixtures/test_streams/30s-silence.mp4 not found")
    pcm = fixture_pcm(silent)
    six = pcm[: 6 * FMT.sample_rate * FMT.bytes_per_frame]
    out = asyncio.run(engine.run_fragment(six, FMT, "s", "f", 0, "en", "es", timeout_s=120))
    assert out.result.status == "success"
    assert len(normalise_for_compare(out.result.transcript).split()) <= 2
    x = decode_pcm(out.result.pcm, FMT)
    if not normalise_for_compare(out.result.transcript):
        assert not np.any(x)
