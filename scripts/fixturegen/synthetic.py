"""The synthetic fixtures' audio: espeak-ng counting one to thirty (clean and over white noise),
digital silence, no audio, and "hello world"."""

from __future__ import annotations

import array
import math
import os
import sys

from .pcm import (
    OFFSET_SAMPLES,
    RATE,
    E,
    dbfs,
    measure,
    measured_words,
    place,
    r6,
    rms,
    synth,
    trim,
    write_wav,
    xorshift64star,
)
from .sidecar import audio_info, high_video, sidecar


def _words(text: str) -> list[str]:
    return text.split()


EN = _words(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four "
    "twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty"
)
ES = _words(
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro "
    "veinticinco veintiséis veintisiete veintiocho veintinueve treinta"
)
assert len(EN) == 30 and len(ES) == 30


def counting(work: str, long_s: int) -> tuple[array.array, list[dict]]:
    """30 s counting: word n's first loud sample at (n-1) s + the onset offset. Returns the PCM and words."""
    clips = [(w, trim(synth(w), w)) for w in EN]
    for w, c in clips:
        if OFFSET_SAMPLES + len(c) >= RATE:
            sys.exit(f"{w!r} lasts {len(c) / RATE:.3f} s: longer than its 1 s slot (raise FX_SPEED)")
    speech = place(clips, long_s, [(n - 1) * RATE + OFFSET_SAMPLES for n in range(1, 31)])
    write_wav(os.path.join(work, "speech30.wav"), speech)
    words = measured_words(speech, EN, [((n - 1) * RATE, n * RATE) for n in range(1, 31)])
    for n, w in enumerate(words, start=1):
        if w["start_sample"] != (n - 1) * RATE + OFFSET_SAMPLES:
            sys.exit(f"measured onset of {w['word']!r} is {w['start_s']} s, not where it was placed")
    if measure(speech, 0, words[0]["start_sample"]) is not None:
        sys.exit("sound before the first word")
    sidecar(
        work,
        "30s-english-speech.mp4",
        long_s,
        "English speech counting one to thirty, one number per second, over a test pattern with a running clock",
        audio_info(long_s, "speech"),
        words,
        " ".join(EN),
        ES,
    )
    sidecar(
        work,
        "30s-x264-high-bframes.mp4",
        long_s,
        "The counting speech of 30s-english-speech.mp4 over the same picture encoded as x264 and OBS do by "
        "default: High profile with B-frames (presentation order differs from decode order), 2 s GOP, 640x360",
        audio_info(long_s, "speech"),
        words,
        " ".join(EN),
        ES,
        video=high_video(long_s),
    )
    return speech, words


def over_noise(work: str, long_s: int, speech: array.array, words: list[dict]) -> tuple[float, float]:
    """The counting speech plus white noise at FX_SNR_DB. Returns the speech and noise RMS."""
    snr_db = float(E["FX_SNR_DB"])
    seed = int(E["FX_NOISE_SEED"])
    speech_rms = rms(speech, [(w["start_sample"], w["end_sample"]) for w in words])
    gen = xorshift64star(seed)
    noise = [next(gen) / 2.0**52 - 1.0 for _ in range(len(speech))]  # uniform in [-1, 1)
    noise_rms_raw = math.sqrt(math.fsum(x * x for x in noise) / len(noise))
    gain = speech_rms / 10 ** (snr_db / 20) / noise_rms_raw
    mixed = array.array("h", bytes(2 * len(speech)))
    for i, (s, x) in enumerate(zip(speech, noise, strict=True)):
        v = math.floor(s + gain * x + 0.5)
        if not -32768 <= v <= 32767:
            sys.exit("speech + noise clips; lower FX_AMPLITUDE")
        mixed[i] = v
    noise_only = array.array("h", (m - s for m, s in zip(mixed, speech, strict=True)))
    noise_rms = rms(noise_only, [(0, len(noise_only))])
    write_wav(os.path.join(work, "noise30.wav"), mixed)
    noise_info = {
        "type": "white",
        "distribution": "uniform",
        "generator": "xorshift64*",
        "seed": seed,
        "snr_db": snr_db,
        "snr_definition": (
            "RMS of the speech inside the word intervals (start_s..end_s) over the RMS of the noise over the whole file"
        ),
        "speech_rms_dbfs": dbfs(speech_rms),
        "noise_rms_dbfs": dbfs(noise_rms),
        "measured_snr_db": r6(20 * math.log10(speech_rms / noise_rms)),
    }
    note = "words and timings are those of the clean speech; the noise is continuous from 0 s to the end"
    sidecar(
        work,
        "30s-speech-over-noise.mp4",
        long_s,
        f"The counting speech of 30s-english-speech.mp4 mixed with white noise at {snr_db:g} dB SNR",
        audio_info(long_s, "speech+noise"),
        words,
        " ".join(EN),
        ES,
        {"noise": noise_info, "note": note},
    )
    return speech_rms, noise_rms


def silence(work: str, long_s: int) -> None:
    """30 s of an all-zero track, and the same picture with no audio track at all."""
    write_wav(os.path.join(work, "silence30.wav"), array.array("h", bytes(2 * long_s * RATE)))
    sidecar(
        work,
        "30s-silence.mp4",
        long_s,
        "Test pattern with a running clock and an all-zero (digital silence) AAC track",
        audio_info(long_s, "silence"),
        None,
        "",
        None,
        language=None,
    )
    desc = "Test pattern with a running clock and no audio track at all"
    sidecar(work, "30s-no-audio.mp4", long_s, desc, None, None, "", None, language=None)


def hello_world(work: str, short_s: int) -> list[dict]:
    """6 s: "hello" from 1.000 s, "world" 80 ms after it ends. Returns the measured words."""
    hello = [(w, trim(synth(w), w)) for w in ("hello", "world")]
    gap = round(0.08 * RATE)
    first_at = RATE  # "hello" starts at 1.000 s
    hw = place(hello, short_s, [first_at, first_at + len(hello[0][1]) + gap])
    write_wav(os.path.join(work, "hello6.wav"), hw)
    split = first_at + len(hello[0][1]) + gap // 2
    hw_words = measured_words(hw, ["hello", "world"], [(0, split), (split, len(hw))])
    sidecar(
        work,
        "6s-hello-world.mp4",
        short_s,
        'English speech "hello world" starting at 1 s, for STS-only checks',
        audio_info(short_s, "speech"),
        hw_words,
        "hello world",
        ["hola", "mundo"],
        {"expected_translation_es_text": "hola mundo"},
    )
    return hw_words
