"""48 kHz mono s16 PCM: synthesis, decoding, trimming, placement and measurement of sounds."""

from __future__ import annotations

import array
import math
import os
import subprocess
import sys
import wave
from collections.abc import Iterator

E = os.environ
RATE = int(E["FX_RATE"])
OFFSET_SAMPLES = round(float(E["FX_ONSET_OFFSET"]) * RATE)
TH = int(E["FX_THRESHOLD"])


def _to_48k(args: list[str], data: bytes | None = None) -> array.array:
    """ffmpeg's resampler -> 48 kHz mono s16 samples."""
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-threads", "1", *args]
    cmd += ["-af", f"aresample={RATE}", "-ac", "1", "-f", "s16le", "-c:a", "pcm_s16le", "-"]
    raw = subprocess.run(cmd, input=data, check=True, capture_output=True).stdout
    pcm = array.array("h")
    pcm.frombytes(raw)
    if sys.byteorder != "little":
        pcm.byteswap()
    return pcm


def synth(text: str) -> array.array:
    """espeak-ng -> WAV (22.05 kHz) -> ffmpeg resampler -> 48 kHz mono s16 samples."""
    voice = ["-v", E["FX_VOICE"], "-s", E["FX_SPEED"], "-p", E["FX_PITCH"], "-a", E["FX_AMPLITUDE"]]
    wav = subprocess.run(["espeak-ng", *voice, "--stdout", text], check=True, capture_output=True).stdout
    return _to_48k(["-f", "wav", "-i", "-"], wav)


def decode_48k(path: str) -> array.array:
    return _to_48k(["-i", path])


def trim(pcm: array.array, text: str) -> array.array:
    loud = [i for i, x in enumerate(pcm) if abs(x) > TH]
    if not loud:
        sys.exit(f"espeak-ng produced no sound for {text!r}")
    return pcm[loud[0] : loud[-1] + 1]


def measure(pcm: array.array, lo: int, hi: int) -> tuple[int, int] | None:
    """First and last sample index in [lo, hi) whose magnitude exceeds the threshold."""
    first = next((i for i in range(lo, hi) if abs(pcm[i]) > TH), None)
    if first is None:
        return None
    last = next(i for i in range(hi - 1, lo - 1, -1) if abs(pcm[i]) > TH)
    return first, last


def write_wav(path: str, pcm: array.array) -> None:
    data = pcm
    if sys.byteorder != "little":
        data = array.array("h", pcm)
        data.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def r6(x: float) -> float:
    return round(x, 6)


def place(words: list[tuple[str, array.array]], total_s: int, onset_samples: list[int]) -> array.array:
    """words: list of (text, clip); onset_samples: where each clip's first loud sample goes."""
    pcm = array.array("h", bytes(2 * total_s * RATE))
    for (text, clip), at in zip(words, onset_samples, strict=True):
        if at + len(clip) > len(pcm):
            sys.exit(f"{text!r} does not fit in {total_s} s")
        if any(pcm[at - 1 : at + len(clip) + 1]):
            sys.exit(f"{text!r} overlaps the previous word")
        pcm[at : at + len(clip)] = clip
    return pcm


def measured_words(pcm: array.array, texts: list[str], windows: list[tuple[int, int]]) -> list[dict]:
    """Measure every word's onset/end in its window of the final PCM (not where we meant to put it)."""
    out = []
    for n, (text, (lo, hi)) in enumerate(zip(texts, windows, strict=True), start=1):
        m = measure(pcm, lo, hi)
        if m is None:
            sys.exit(f"no sound found for word {n} {text!r}")
        first, last = m
        out.append(
            {
                "n": n,
                "word": text,
                "start_s": r6(first / RATE),
                "end_s": r6((last + 1) / RATE),
                "start_sample": first,
                "end_sample": last + 1,
            }
        )
    return out


def rms(pcm: array.array, ranges: list[tuple[int, int]]) -> float:
    acc, n = 0, 0
    for lo, hi in ranges:
        for i in range(lo, hi):
            acc += pcm[i] * pcm[i]
        n += hi - lo
    return math.sqrt(acc / n) if n else 0.0


def dbfs(x: float) -> float | None:
    return r6(20 * math.log10(x / 32768)) if x > 0 else None


def xorshift64star(seed: int) -> Iterator[int]:
    s = seed & 0xFFFFFFFFFFFFFFFF
    mask = 0xFFFFFFFFFFFFFFFF
    while True:
        s ^= s >> 12
        s ^= (s << 25) & mask
        s ^= s >> 27
        yield ((s * 0x2545F4914F6CDD1D) & mask) >> 11  # 53 random bits
