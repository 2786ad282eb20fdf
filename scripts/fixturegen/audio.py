"""Step 1 of scripts/make-fixtures: synthesise, trim and place the audio on exact-length timelines
(WORK/*.wav) and write the sidecars (WORK/*.json).

    python3 -m fixturegen.audio WORK LONG_S SHORT_S      (FX_* parameters in the environment)"""

from __future__ import annotations

import sys

from .human_voice import human_voice
from .pcm import dbfs
from .synthetic import counting, hello_world, over_noise, silence


def main(argv: list[str]) -> int:
    work, long_s, short_s = argv[1], int(argv[2]), int(argv[3])
    speech, words = counting(work, long_s)
    speech_rms, noise_rms = over_noise(work, long_s, speech, words)
    silence(work, long_s)
    hw_words = hello_world(work, short_s)
    prompts, seg_rms = human_voice(work, long_s)

    durations = [w["end_s"] - w["start_s"] for w in words]
    print("word onsets (s): " + " ".join(f"{w['start_s']:.3f}" for w in words), file=sys.stderr)
    print(f"word durations (s): min {min(durations):.3f} max {max(durations):.3f}", file=sys.stderr)
    hw = " ".join(f"{w['word']} {w['start_s']:.3f}-{w['end_s']:.3f}" for w in hw_words)
    print(f"hello world (s): {hw}", file=sys.stderr)
    print(f"noise: speech {dbfs(speech_rms)} dBFS, noise {dbfs(noise_rms)} dBFS", file=sys.stderr)
    spans = " ".join(f"{p['start_s']:.3f}-{p['end_s']:.3f}" for p in prompts)
    print(f"human voice (s): {spans}; RMS per 6 s (dBFS): {' '.join(f'{x:.1f}' for x in seg_rms)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
