"""Step 4 of scripts/make-fixtures: check what was written against the sidecars (container facts,
and the word onsets in the decoded audio).

    python3 -m fixturegen.verify OUT_DIR"""

from __future__ import annotations

import array
import json
import os
import subprocess
import sys
from typing import Any


def _container(name: str, side: dict[str, Any], probe: dict[str, Any]) -> list[str]:
    """Duration, video codec and frame count, the audio codec, rate and channels the sidecar names tagged eng, the first
    timestamp: what the sidecar promises."""
    bad = []
    dur = float(probe["format"]["duration"])
    kinds = {s["codec_type"]: s for s in probe["streams"]}
    if abs(dur - side["duration_s"]) > 0.05:
        bad.append(f"{name}: duration {dur} s, expected {side['duration_s']} s")
    v = kinds.get("video")
    vcodec = side["video"]["codec"]
    if not v or v["codec_name"] != vcodec or int(v["nb_read_packets"]) != side["video"]["frames"]:
        bad.append(f"{name}: video stream is not {side['video']['frames']} {vcodec} frames")
    a = kinds.get("audio")
    if (a is None) != (side["audio"] is None):
        bad.append(f"{name}: audio stream presence differs from the sidecar")
    if a:
        if (
            a["codec_name"] != side["audio"]["codec"]
            or int(a["sample_rate"]) != side["sample_rate"]
            or a["channels"] != side["channels"]
            or a.get("tags", {}).get("language") != "eng"
        ):
            want = f"{side['audio']['codec']} {side['sample_rate']} Hz, {side['channels']} channel(s), tagged eng"
            bad.append(f"{name}: audio is not {want}")
        start = float(a["start_time"])
        if abs(start - side.get("start_s", 0.0)) > 0.05:
            bad.append(f"{name}: audio starts at {start} s, expected {side.get('start_s', 0.0)} s")
        adur = float(a["duration"])
        if abs(adur - side["duration_s"]) > 0.05:
            bad.append(f"{name}: audio stream lasts {adur} s")
    return bad


def _decode(path: str) -> array.array:
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-ar", "48000"]
    raw = subprocess.run([*cmd, "-"], check=True, capture_output=True).stdout
    pcm = array.array("h")
    pcm.frombytes(raw)
    if sys.byteorder != "little":
        pcm.byteswap()
    return pcm


def _onsets(name: str, side: dict[str, Any], pcm: array.array) -> tuple[list[str], list[str], float]:
    """Each word's (or prompt's) onset in the decoded AAC against the sidecar: (problems, onsets, worst).

    A recording's word times are estimates (see its sidecar), so its measured prompt onsets are
    checked instead, with the threshold they were measured with (first sample with |x| > 32): a human
    onset can stay below -40 dBFS for tens of ms. A synthetic word's onset is the first 1 ms block
    whose peak tops -40 dBFS."""
    bad, onsets, worst = [], [], 0.0
    prompts = side.get("prompts")
    priming = side["audio"].get("untrimmed_priming_s", 0.0)  # decoded ahead of the content (MPEG-TS)
    prev_end = 0
    for w in prompts or side["words"]:
        lo = max(prev_end, w["start_sample"] - 4800)
        prev_end = w["end_sample"]
        if prompts:
            blk = next((i for i in range(lo, w["end_sample"]) if abs(pcm[i]) > 32), None)
        else:
            blk = next((i for i in range(lo, w["end_sample"], 48) if max(abs(x) for x in pcm[i : i + 48]) > 328), None)
        label = w.get("word") or w["text"]
        if blk is None:
            bad.append(f"{name}: no sound near {label!r}")
            continue
        err = blk / 48000 - priming - w["start_s"]
        worst = max(worst, abs(err))
        onsets.append(f"{blk / 48000:.3f}")
        if abs(err) > 0.010:
            bad.append(f"{name}: {label!r} starts at {blk / 48000:.3f} s in the file, sidecar says {w['start_s']} s")
    return bad, onsets, worst


def verify(out: str) -> tuple[list[str], float]:
    bad: list[str] = []
    worst = 0.0
    for name in sorted(os.listdir(out)):
        stem, ext = os.path.splitext(name)
        if ext not in (".mp4", ".ts"):
            continue
        with open(os.path.join(out, stem + ".json"), encoding="utf-8") as f:
            side = json.load(f)
        probe_cmd = ["ffprobe", "-v", "error", "-count_packets", "-show_format", "-show_streams", "-of", "json"]
        probe_cmd.append(os.path.join(out, name))
        probe = json.loads(subprocess.run(probe_cmd, check=True, capture_output=True).stdout)
        bad += _container(name, side, probe)
        if side["audio"] is not None and any(s["codec_type"] == "audio" for s in probe["streams"]):
            pcm = _decode(os.path.join(out, name))
            if side["audio"]["content"] == "silence" and any(pcm):
                bad.append(f"{name}: the silent track decodes to non-zero samples")
            if side["audio"]["content"] == "speech":
                problems, onsets, w = _onsets(name, side, pcm)
                bad += problems
                worst = max(worst, w)
                print(f"  {name}: decoded onsets (s) {' '.join(onsets)}", file=sys.stderr)
        dur = float(probe["format"]["duration"])
        print(f"  {name}: {os.path.getsize(os.path.join(out, name))} bytes, {dur:.3f} s", file=sys.stderr)
    return bad, worst


def main(argv: list[str]) -> int:
    bad, worst = verify(argv[1])
    print(f"  largest onset difference decoded audio vs sidecar: {worst * 1000:.1f} ms", file=sys.stderr)
    if bad:
        sys.exit("verification failed:\n  " + "\n  ".join(bad))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
