"""The sidecar of a long stream (scripts/make-long-stream): the 30 s counting fixture's words, every
pass at its own time, with the 6 s segments and the Spanish of the whole.

    python3 -m fixturegen.long SIDECAR_30S PASSES OUT_JSON"""

from __future__ import annotations

import json
import sys
from typing import Any

from .segments import SEGMENT_S, segments


def long_sidecar(base: dict[str, Any], passes: int) -> dict[str, Any]:
    pass_s = base["duration_s"]
    rate = base["sample_rate"]
    words = []
    for k in range(passes):
        for w in base["words"]:
            shifted = dict(w)
            shifted["n"] = k * len(base["words"]) + w["n"]
            for key in ("start_s", "end_s"):
                shifted[key] = round(w[key] + k * pass_s, 6)
            for key in ("start_sample", "end_sample"):
                shifted[key] = w[key] + round(k * pass_s * rate)
            words.append(shifted)
    total_s = int(pass_s * passes)
    es = base["expected_translation_es"] * passes
    by_word = dict(zip((w["word"] for w in base["words"]), base["expected_translation_es"], strict=True))
    out = dict(base)
    out.update(
        {
            "fixture": f"{total_s}s-english-speech.mp4",
            "description": f"{base['fixture']} played {passes} times end to end as one stream "
            "(scripts/make-long-stream)",
            "duration_s": float(total_s),
            "words": words,
            "segments_6s": segments(words, total_s, SEGMENT_S, by_word),
            "transcript": " ".join([base["transcript"]] * passes),
            "expected_translation_es": es,
            "generator": "scripts/make-long-stream",
        }
    )
    out["video"] = base["video"] | {"frames": base["video"]["frames"] * passes}
    out["audio"] = base["audio"] | {"samples": base["audio"]["samples"] * passes}
    return out


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        base = json.load(f)
    side = long_sidecar(base, int(argv[2]))
    with open(argv[3], "w", encoding="utf-8") as f:
        json.dump(side, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
