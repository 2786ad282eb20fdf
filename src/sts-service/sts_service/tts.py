"""TTS stage: espeak-ng, then time-fitting to the fragment length.

The synthesized speech is changed in tempo without changing pitch (SoX `tempo`), resampled to the
stream's rate and channel count, placed where the original speech started, and padded/trimmed to
exactly the input's frame count, so the dubbed fragment lasts exactly as long as the original. Then
it is brought to the level of the speech it replaces and peak-limited (level.py): as loud as the
original, never clipped. Silence in (no text) gives silence out."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from typing import Any

import numpy as np

from .audio import AudioError, encode_pcm, fit_to_length, parse_wav
from .level import match_level
from .pipeline import FragmentContext, FrameProcessor, OutputAudioFrame, TranslationFrame

log = logging.getLogger("sts.tts")


class TtsError(RuntimeError):
    pass


class TtsProvider:
    name = "base"

    def synthesize(self, text: str, language: str) -> tuple[np.ndarray, int]:
        """Return float32 (frames, channels) speech and its sample rate."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"provider": self.name}

    def display(self) -> str:
        return self.name


class EspeakNgProvider(TtsProvider):
    name = "espeak-ng"

    def __init__(self, voice: str = "es", rate_wpm: int = 160, timeout_s: float = 20.0):
        self.binary = shutil.which("espeak-ng")
        if not self.binary:
            raise TtsError("espeak-ng is not installed (Debian package espeak-ng)")
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.timeout_s = timeout_s
        try:
            out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=5)
            self.version = out.stdout.strip()
            voices = subprocess.run(
                [self.binary, f"--voices={voice.split('-')[0]}"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TtsError(f"cannot run espeak-ng: {exc}") from exc
        names = set()
        for line in voices.splitlines()[1:]:
            cols = line.split()
            if len(cols) >= 5:
                names.add(cols[1])
                names.add(cols[4])
        if voice not in names and not any(n.endswith("/" + voice) for n in names):
            raise TtsError(f"espeak-ng has no voice {voice!r} (have: {', '.join(sorted(names)) or 'none'})")

    def synthesize(self, text: str, language: str) -> tuple[np.ndarray, int]:
        try:
            proc = subprocess.run(
                [self.binary, "-v", self.voice, "-s", str(self.rate_wpm), "--stdout", "--stdin"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
            )
        except subprocess.TimeoutExpired as exc:
            raise TtsError(f"espeak-ng timed out after {self.timeout_s} s") from exc
        if proc.returncode != 0:
            raise TtsError(f"espeak-ng failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[:300]}")
        try:
            return parse_wav(proc.stdout)
        except AudioError as exc:
            raise TtsError(f"espeak-ng output unreadable: {exc}") from exc

    def describe(self) -> dict[str, Any]:
        return {"provider": "espeak-ng", "voice": self.voice, "rate_wpm": self.rate_wpm, "version": self.version}

    def display(self) -> str:
        return f"espeak-ng {self.voice}"


def make_provider(name: str, voice: str, rate_wpm: int) -> TtsProvider:
    if name in ("espeak-ng", "espeak"):
        return EspeakNgProvider(voice, rate_wpm)
    if name == "coqui":
        raise TtsError(
            "TTS_PROVIDER=coqui is not available in this image (no Coqui TTS models offline); "
            "use TTS_PROVIDER=espeak-ng"
        )
    raise TtsError(f"unknown TTS provider {name!r}")


_SPEAKABLE = re.compile(r"\w", re.UNICODE)


class TtsProcessor(FrameProcessor):
    stage = "tts"
    accepts = (TranslationFrame,)

    def __init__(self, provider: TtsProvider, *, max_tempo: float, min_tempo: float, executor=None):
        super().__init__(executor)
        self.provider = provider
        self.max_tempo = max_tempo
        self.min_tempo = min_tempo

    def process_sync(self, frame: TranslationFrame, ctx: FragmentContext) -> OutputAudioFrame:
        fmt = ctx.fmt
        if not _SPEAKABLE.search(frame.text):
            silence = np.zeros((ctx.frames, fmt.channels), dtype=np.float32)
            ctx.info["tts"] = {"spoken": False}
            return OutputAudioFrame(encode_pcm(silence, fmt), frame.source_text, frame.text)
        speech, rate = self.provider.synthesize(frame.text, ctx.target_language)
        offset = round((frame.speech_start_s or 0.0) * fmt.sample_rate)
        fit = fit_to_length(
            speech,
            rate,
            fmt,
            ctx.frames,
            max_tempo=self.max_tempo,
            min_tempo=self.min_tempo,
            preferred_offset_frames=offset,
        )
        samples, level = match_level(fit.samples, ctx.input_samples, fmt.sample_rate)
        ctx.info["tts"] = {
            "spoken": True,
            "tempo": round(fit.tempo, 4),
            "speech_ms": round(fit.speech_frames * 1000 / fmt.sample_rate, 1),
            "offset_ms": round(fit.offset_frames * 1000 / fmt.sample_rate, 1),
            "truncated": fit.truncated,
            **level,
        }
        if fit.truncated:
            log.warning(
                "dubbed speech longer than the fragment even at tempo %.2f: tail cut",
                fit.tempo,
                extra=ctx.log_extra(self.stage),
            )
        return OutputAudioFrame(encode_pcm(samples, fmt), frame.source_text, frame.text)
