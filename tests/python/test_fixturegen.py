"""Unit tests of scripts/fixturegen (the Python steps of scripts/make-fixtures) that need no
espeak-ng, ffmpeg or recorded prompts. The full check is `scripts/make-fixtures --check`."""

from __future__ import annotations

import array
import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
# The parameters make-fixtures exports (the values it uses).
for key, value in {
    "FX_RATE": "48000",
    "FX_ONSET_OFFSET": "0.12",
    "FX_THRESHOLD": "32",
    "FX_VOICE": "en-us",
    "FX_SPEED": "190",
    "FX_PITCH": "50",
    "FX_AMPLITUDE": "100",
    "FX_FPS": "25",
    "FX_PROFILE": "main",
    "FX_WIDTH": "320",
    "FX_HEIGHT": "240",
    "FX_KEYINT": "25",
    "FX_AUDIO_BITRATE": "64000",
}.items():
    os.environ.setdefault(key, value)

from fixturegen import human_voice, long, pcm, sidecar  # noqa: E402 (needs the FX_* parameters first)


class Pcm(unittest.TestCase):
    def test_xorshift_is_the_pinned_generator(self) -> None:
        gen = pcm.xorshift64star(20260101)
        first = [next(gen) for _ in range(3)]
        self.assertTrue(all(0 <= x < 2**53 for x in first))
        again = pcm.xorshift64star(20260101)
        self.assertEqual(first, [next(again) for _ in range(3)])
        self.assertNotEqual(first, [next(pcm.xorshift64star(1)) for _ in range(3)])

    def test_trim_and_measure_use_the_threshold(self) -> None:
        th = pcm.TH
        clip = array.array("h", [0, th, -th - 1, 5, th + 1, 0])
        self.assertEqual(list(pcm.trim(clip, "x")), [-th - 1, 5, th + 1])
        self.assertEqual(pcm.measure(clip, 0, len(clip)), (2, 4))
        self.assertIsNone(pcm.measure(clip, 0, 2))
        with self.assertRaises(SystemExit):
            pcm.trim(array.array("h", [0, th]), "silent")

    def test_place_puts_clips_and_refuses_overlaps(self) -> None:
        rate = pcm.RATE
        out = pcm.place([("a", array.array("h", [100, 200])), ("b", array.array("h", [300]))], 1, [10, 20])
        self.assertEqual(len(out), rate)
        self.assertEqual((out[10], out[11], out[20]), (100, 200, 300))
        with self.assertRaises(SystemExit):  # touches the previous clip
            pcm.place([("a", array.array("h", [100, 200])), ("b", array.array("h", [300]))], 1, [10, 12])
        with self.assertRaises(SystemExit):  # past the end
            pcm.place([("a", array.array("h", [1, 2]))], 1, [rate - 1])

    def test_measured_words_and_levels(self) -> None:
        p = pcm.place([("w", array.array("h", [1000] * 48))], 1, [4800])
        (w,) = pcm.measured_words(p, ["w"], [(0, pcm.RATE)])
        self.assertEqual((w["start_sample"], w["end_sample"], w["start_s"], w["end_s"]), (4800, 4848, 0.1, 0.101))
        self.assertAlmostEqual(pcm.rms(p, [(4800, 4848)]), 1000.0)
        self.assertEqual(pcm.dbfs(32768), 0.0)
        self.assertIsNone(pcm.dbfs(0))


class Sidecars(unittest.TestCase):
    def test_segments_group_words_and_refuse_a_word_across_a_boundary(self) -> None:
        words = [{"word": "one", "start_s": 0.1, "end_s": 0.5}, {"word": "two", "start_s": 6.2, "end_s": 6.6}]
        segs = sidecar.segments(words, 12, 6, {"one": "uno", "two": "dos"})
        self.assertEqual([s["text"] for s in segs], ["one", "two"])
        self.assertEqual(segs[1]["expected_translation_es"], "dos")
        self.assertEqual((segs[1]["start_s"], segs[1]["end_s"]), (6.0, 12.0))
        with self.assertRaises(SystemExit):
            sidecar.segments([{"word": "x", "start_s": 5.9, "end_s": 6.1}], 12, 6)

    def test_video_and_audio_info(self) -> None:
        self.assertEqual(sidecar.video_info(30)["frames"], 750)
        self.assertEqual(sidecar.audio_info(6, "speech")["samples"], 6 * 48000)

    def test_long_sidecar_repeats_every_pass_at_its_time(self) -> None:
        base_words = [
            {"n": 1, "word": "one", "start_s": 0.12, "end_s": 0.5, "start_sample": 5760, "end_sample": 24000},
            {"n": 2, "word": "two", "start_s": 6.12, "end_s": 6.5, "start_sample": 293760, "end_sample": 312000},
        ]
        base = {
            "fixture": "12s.mp4",
            "duration_s": 12.0,
            "sample_rate": 48000,
            "words": base_words,
            "transcript": "one two",
            "expected_translation_es": ["uno", "dos"],
            "video": {"frames": 300},
            "audio": {"samples": 576000},
        }
        side = long.long_sidecar(base, 3)
        self.assertEqual(side["fixture"], "36s-english-speech.mp4")
        self.assertEqual(side["duration_s"], 36.0)
        self.assertEqual([w["n"] for w in side["words"]], [1, 2, 3, 4, 5, 6])
        self.assertEqual(side["words"][5]["start_s"], 30.12)
        self.assertEqual(side["words"][5]["start_sample"], 293760 + 2 * 576000)
        self.assertEqual(side["transcript"], "one two one two one two")
        self.assertEqual(len(side["segments_6s"]), 6)
        self.assertEqual(side["segments_6s"][4]["expected_translation_es"], "uno")
        self.assertEqual((side["video"]["frames"], side["audio"]["samples"]), (900, 1728000))
        self.assertEqual(base["words"], base_words)  # the base is not changed

    def test_words_of_drops_punctuation(self) -> None:
        self.assertEqual(
            human_voice.words_of("Please try your call again later."),
            ["please", "try", "your", "call", "again", "later"],
        )
        self.assertEqual(
            human_voice.words_of("¿Qué tal? It's 'ok' - twenty-one"), ["qué", "tal", "it's", "ok", "twenty-one"]
        )


if __name__ == "__main__":
    unittest.main()
