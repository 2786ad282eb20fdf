"""The source matrix (issue 14): the counting speech of 30s-english-speech.mp4 as other encoders and
settings make it. One row per fixture, in one place: this module writes each row's sidecar and
prints the rows for scripts/make-fixtures, which encodes them from the video master and speech30.wav.

    python3 -m fixturegen.matrix WORK LONG_S     (after fixturegen.audio; FX_* in the environment)

Prints one tab-separated line per row: name, codec, width, height, fps, keyint, bframes, profile,
sample_rate, channels, audio_bitrate, start_s, audio_codec."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

from .pcm import E
from .sidecar import audio_info, video_info, write_json


@dataclass(frozen=True)
class Row:
    name: str
    description: str
    width: int = int(E["FX_WIDTH"])
    height: int = int(E["FX_HEIGHT"])
    fps: int = int(E["FX_FPS"])
    keyint: int = int(E["FX_KEYINT"])
    bframes: int = 0
    profile: str = E["FX_PROFILE"]
    codec: str = "h264"
    sample_rate: int = int(E["FX_RATE"])
    channels: int = 1
    audio_bitrate: int = int(E["FX_AUDIO_BITRATE"])
    start_s: int = 0  # the first timestamp (an MPEG-TS fixture when not 0)
    audio_codec: str = "aac"  # aac or opus (make-fixtures picks the encoder)


def _obs_720p(fps: int) -> Row:
    return Row(
        f"30s-720p{fps}.mp4",
        f"1280x720 at {fps} fps, High profile with 2 B-frames and a 2 s GOP (OBS's 720p{fps} defaults)",
        width=1280,
        height=720,
        fps=fps,
        keyint=2 * fps,
        bframes=2,
        profile="high",
    )


ROWS = [
    Row("30s-gop4s.mp4", "a 4 s GOP (one keyframe every 100 frames), as long-GOP broadcast encoders send", keyint=100),
    _obs_720p(30),
    _obs_720p(60),
    Row(
        "30s-44k1-stereo.mp4",
        "the sound as AAC-LC 44.1 kHz stereo at 128 kb/s (the speech on both channels), as many encoders send",
        sample_rate=44100,
        channels=2,
        audio_bitrate=128000,
    ),
    Row(
        "30s-opus.mp4",
        "the sound as Opus 48 kHz stereo at 96 kb/s (the speech on both channels), as WebRTC (WHIP) encoders send",
        channels=2,
        audio_bitrate=96000,
        audio_codec="opus",
    ),
    Row(
        "30s-hevc.mp4",
        "H.265/HEVC video (Main profile), which FLV and so the RTMP output cannot carry: refused at start",
        profile="main",
        codec="hevc",
    ),
    Row(
        "30s-start-10h.ts",
        "an MPEG-TS whose timestamps start at 10 h (36000 s), as a broadcast encoder's running clock does",
        start_s=36000,
    ),
]


def write_sidecars(work: str, long_s: int) -> None:
    """Each row's sidecar: the counting speech's words and translation, this row's picture and sound."""
    with open(os.path.join(work, "30s-english-speech.json"), encoding="utf-8") as f:
        base = json.load(f)
    for row in ROWS:
        side = dict(base)
        side["fixture"] = row.name
        side["description"] = f"The counting speech and picture of 30s-english-speech.mp4 as {row.description}"
        side["sample_rate"], side["channels"] = row.sample_rate, row.channels
        side["note"] = f"words' start_sample/end_sample count at {E['FX_RATE']} Hz, the rate the speech was made at"
        video = video_info(long_s) | {
            "codec": row.codec,
            "profile": row.profile.capitalize(),
            "width": row.width,
            "height": row.height,
            "fps": row.fps,
            "frames": long_s * row.fps,
            "keyint": row.keyint,
            "bframes": row.bframes,
        }
        if row.fps != int(E["FX_FPS"]):
            video["picture"] += f"; the {E['FX_FPS']} fps master's frames repeated to {row.fps} fps (ffmpeg fps filter)"
        side["video"] = video
        side["audio"] = audio_info(long_s, "speech") | {
            "sample_rate": row.sample_rate,
            "channels": row.channels,
            "bitrate_target": row.audio_bitrate,
            "samples": long_s * row.sample_rate,
        }
        if row.audio_codec != "aac":
            side["audio"]["codec"] = row.audio_codec
            del side["audio"]["profile"]  # AAC's LC
        if row.start_s:
            side["start_s"] = float(row.start_s)
            # MPEG-TS has no edit list: the AAC encoder's 1024 priming samples are decoded with the
            # rest, so every sound comes this much later in the decoded track than its start_s.
            side["audio"]["untrimmed_priming_s"] = round(1024 / row.sample_rate, 6)
        stem = row.name.rsplit(".", 1)[0]
        write_json(os.path.join(work, stem + ".json"), side)


def main(argv: list[str]) -> int:
    work, long_s = argv[1], int(argv[2])
    write_sidecars(work, long_s)
    for r in ROWS:
        fields = (r.name, r.codec, r.width, r.height, r.fps, r.keyint, r.bframes, r.profile, r.sample_rate)
        print("\t".join(str(x) for x in (*fields, r.channels, r.audio_bitrate, r.start_s, r.audio_codec)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
