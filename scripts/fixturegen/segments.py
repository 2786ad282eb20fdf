"""The 6 s segments of a sidecar: which words each holds, and their Spanish. Pure (no FX_* settings),
so the long streams' sidecars (fixturegen.long) use it too."""

from __future__ import annotations

SEGMENT_S = 6


def segments(words: list[dict], total_s: int, seg_s: int, es_by_word: dict[str, str] | None = None) -> list[dict]:
    segs = []
    for i in range(0, total_s // seg_s):
        lo, hi = i * seg_s, (i + 1) * seg_s
        inside = [w for w in words if lo <= w["start_s"] < hi]
        for w in inside:
            if w["end_s"] > hi:
                raise SystemExit(f"word {w['word']!r} crosses the {hi} s segment boundary")
        seg = {"index": i, "start_s": float(lo), "end_s": float(hi), "text": " ".join(w["word"] for w in inside)}
        if es_by_word is not None:
            seg["expected_translation_es"] = " ".join(es_by_word[w["word"]] for w in inside)
        segs.append(seg)
    return segs
