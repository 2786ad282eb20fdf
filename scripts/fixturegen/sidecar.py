"""The sidecar X.json beside each fixture X.mp4: what the picture and sound are, the expected words
with their measured times, the 6 s segments and the expected Spanish."""

from __future__ import annotations

import json
import os
from typing import Any

from .pcm import RATE, TH, E
from .segments import SEGMENT_S, segments

GENERATOR = "scripts/make-fixtures"

TTS = {
    "engine": "espeak-ng",
    "voice": E["FX_VOICE"],
    "speed_wpm": int(E["FX_SPEED"]),
    "pitch": int(E["FX_PITCH"]),
    "amplitude": int(E["FX_AMPLITUDE"]),
    "method": (
        "each word synthesised on its own, resampled to 48 kHz, leading/trailing samples with "
        f"|x| <= {TH} trimmed, then placed so its first sample with |x| > {TH} is at the intended "
        "onset; start_s/end_s are re-measured on the final PCM with the same threshold"
    ),
}


def high_video(total_s: int) -> dict[str, Any]:
    """The x264/OBS-default encode of the same picture (make-fixtures' FX_HIGH_*): High, B-frames."""
    return video_info(total_s) | {
        "profile": "High",
        "width": int(E["FX_HIGH_WIDTH"]),
        "height": int(E["FX_HIGH_HEIGHT"]),
        "keyint": int(E["FX_HIGH_KEYINT"]),
        "bframes": int(E["FX_HIGH_BFRAMES"]),
    }


def video_info(total_s: int) -> dict[str, Any]:
    fps = int(E["FX_FPS"])
    return {
        "codec": "h264",
        "profile": E["FX_PROFILE"].capitalize(),
        "width": int(E["FX_WIDTH"]),
        "height": int(E["FX_HEIGHT"]),
        "fps": fps,
        "frames": total_s * fps,
        "keyint": int(E["FX_KEYINT"]),
        "pix_fmt": "yuv420p",
        "picture": (
            "lavfi testsrc (big seconds counter) with testsrc2's HH:MM:SS.mmm clock and frame "
            "number at the top left; a white box at the top right on frames 3-6 of every second "
            "(0.12-0.28 s), i.e. when a counting word starts"
        ),
    }


def audio_info(total_s: int, content: str) -> dict[str, Any]:
    return {
        "codec": "aac",
        "profile": "LC",
        "sample_rate": RATE,
        "channels": 1,
        "bitrate_target": int(E["FX_AUDIO_BITRATE"]),
        "language_tag": "eng",
        "samples": total_s * RATE,
        "content": content,
    }


def write_json(path: str, d: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, indent=2, ensure_ascii=False)
        f.write("\n")


def sidecar(
    work: str,
    name: str,
    total_s: int,
    description: str,
    audio: dict[str, Any] | None,
    words: list[dict] | None,
    transcript: str,
    es: list[str] | None,
    extra: dict[str, Any] | None = None,
    language: str | None = "en",
    video: dict[str, Any] | None = None,
) -> None:
    """Writes WORK/<name>.json for a synthetic fixture (espeak-ng words, or none)."""
    d = {
        "fixture": name,
        "description": description,
        "duration_s": float(total_s),
        "language": language,
        "sample_rate": audio["sample_rate"] if audio else None,
        "channels": audio["channels"] if audio else None,
        "video": video or video_info(total_s),
        "audio": audio,
    }
    if words is not None:
        d["onset_offset_s"] = float(E["FX_ONSET_OFFSET"])
        d["tts"] = TTS
    d["words"] = words or []
    d["segment_duration_s"] = float(SEGMENT_S)
    by_word = dict(zip((w["word"] for w in words), es, strict=True)) if words and es else None
    d["segments_6s"] = segments(d["words"], total_s, SEGMENT_S, by_word)
    d["transcript"] = transcript
    d["expected_translation_es"] = es or []
    if extra:
        d.update(extra)
    d["generator"] = GENERATOR
    write_json(os.path.join(work, name.replace(".mp4", ".json")), d)
