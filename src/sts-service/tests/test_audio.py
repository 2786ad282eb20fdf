"""PCM helpers and the time-fitting (tempo change without pitch change, then exact pad/trim)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_tools

from sts_service.audio import (
    PcmFormat,
    convert,
    decode_pcm,
    encode_pcm,
    fit_to_length,
    parse_wav,
    rms_dbfs,
    to_mono_16k,
    trim_silence,
)


def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)[:, None]


def dominant_hz(x: np.ndarray, rate: int) -> float:
    mono = x.mean(axis=1) if x.ndim == 2 else x
    spec = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    return float(np.fft.rfftfreq(len(mono), 1 / rate)[np.argmax(spec)])


@pytest.mark.parametrize("fmt", [PcmFormat(48000, 2, "s16le"), PcmFormat(16000, 1, "f32le")])
def test_pcm_roundtrip(fmt):
    x = np.clip(np.random.default_rng(1).normal(0, 0.3, (1000, fmt.channels)), -1, 0.99).astype(np.float32)
    data = encode_pcm(x, fmt)
    assert len(data) == 1000 * fmt.bytes_per_frame
    y = decode_pcm(data, fmt)
    assert y.shape == x.shape
    assert np.max(np.abs(y - x)) < (1 / 32768 + 1e-6 if fmt.sample_format == "s16le" else 1e-7)
    assert encode_pcm(y, fmt) == data


def test_s16_clipping_does_not_wrap():
    fmt = PcmFormat(8000, 1, "s16le")
    data = encode_pcm(np.array([[1.5], [-1.5]], np.float32), fmt)
    assert decode_pcm(data, fmt)[:, 0].tolist() == [32767 / 32768, -1.0]


def test_wav_parse_streaming_header():
    require_tools("espeak-ng")
    import subprocess

    wav = subprocess.run(["espeak-ng", "-v", "es", "--stdout", "hola"], capture_output=True, check=True).stdout
    x, rate = parse_wav(wav)
    assert rate == 22050 and x.shape[1] == 1 and 0.2 < len(x) / rate < 2.0
    assert rms_dbfs(x) > -40


def test_trim_silence():
    x = np.concatenate([np.zeros((100, 1)), tone(440, 0.1, 8000), np.zeros((50, 1))]).astype(np.float32)
    y = trim_silence(x)
    assert 790 <= len(y) <= 800
    assert len(trim_silence(np.zeros((100, 1), np.float32))) == 0


def test_resample_to_16k_keeps_pitch():
    require_tools("sox")
    x = tone(1000, 1.0, 48000)
    y = to_mono_16k(np.hstack([x, x]), 48000)
    assert y.ndim == 1 and abs(len(y) - 16000) <= 2
    assert abs(dominant_hz(y, 16000) - 1000) < 5


@pytest.mark.parametrize("tempo", [1.6, 0.85])
def test_tempo_change_keeps_pitch(tempo):
    require_tools("sox")
    x = tone(440, 2.0, 24000)
    y = convert(x, 24000, 24000, 1, tempo=tempo)
    assert abs(len(y) / 24000 - 2.0 / tempo) < 0.05  # length scaled...
    assert abs(dominant_hz(y, 24000) - 440) < 5  # ...pitch unchanged


@pytest.mark.parametrize("speech_s,target_s", [(3.0, 6.0), (5.9, 6.0), (9.0, 6.0), (30.0, 6.0), (0.4, 0.5)])
@pytest.mark.parametrize("fmt", [PcmFormat(48000, 2, "s16le"), PcmFormat(16000, 1, "f32le")])
def test_fit_to_length_is_exact(speech_s, target_s, fmt):
    require_tools("sox")
    speech = tone(300, speech_s, 22050)
    target = round(target_s * fmt.sample_rate)
    fit = fit_to_length(speech, 22050, fmt, target, max_tempo=2.5, min_tempo=0.85)
    assert fit.samples.shape == (target, fmt.channels)  # exactly as long as the original
    assert len(encode_pcm(fit.samples, fmt)) == target * fmt.bytes_per_frame
    ratio = speech_s / target_s
    if ratio > 1:
        assert fit.tempo == pytest.approx(min(ratio, 2.5), rel=0.01)
        assert fit.truncated is (ratio > 2.5)
    else:
        assert fit.tempo == pytest.approx(max(ratio, 0.85), rel=0.01)
    assert (
        abs(dominant_hz(fit.samples[fit.offset_frames : fit.offset_frames + fit.speech_frames], fmt.sample_rate) - 300)
        < 6
    )


def test_fit_places_speech_at_preferred_offset():
    require_tools("sox")
    fmt = PcmFormat(16000, 1, "s16le")
    fit = fit_to_length(
        tone(300, 1.0, 22050), 22050, fmt, 6 * 16000, max_tempo=2.5, min_tempo=1.0, preferred_offset_frames=2 * 16000
    )
    assert fit.offset_frames == 2 * 16000
    assert np.all(fit.samples[: 2 * 16000] == 0)
    assert rms_dbfs(fit.samples[2 * 16000 : 3 * 16000]) > -20


def test_fit_silence_in_silence_out():
    fmt = PcmFormat(48000, 1, "s16le")
    fit = fit_to_length(np.zeros((1000, 1), np.float32), 22050, fmt, 48000, max_tempo=2.5, min_tempo=0.85)
    assert fit.samples.shape == (48000, 1) and not fit.samples.any()
