"""dub_judge, the independent listener of the dubbed output (python -m dub_judge), run as a command on
the real base weights: Spanish espeak-ng speech is heard as "es" with its words, English as "en",
digital silence as silent; the JSON has the documented shape; bad inputs exit 2 with one line.

The speech is synthesised here with espeak-ng and sox (not with sts_service), written as a 44.1 kHz
stereo WAV so the judge's own decoding and resampling are exercised."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import MODEL_DIR, STS_DIR, require_model, require_tools

pytestmark = pytest.mark.real_model

WINDOW_S = 6
ES = "Buenos días, me llamo Juan y vivo en Madrid."
EN = "Good morning, my name is John and I live in London."
RATE = 22050  # espeak-ng's own rate


def espeak(voice: str, text: str, seconds: float) -> np.ndarray:
    """espeak-ng speech (mono, 22.05 kHz) padded with silence to `seconds`."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["espeak-ng", "-v", voice, "-w", f"{d}/s.wav", text], check=True)
        with wave.open(f"{d}/s.wav") as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
            x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    n = round(seconds * RATE)
    assert len(x) < n, f"{text!r} is longer than {seconds} s"
    return np.concatenate([x, np.zeros(n - len(x), np.float32)])


def write_wav(path: Path, x: np.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())


def judge(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dub_judge", *map(str, args)],
        cwd=STS_DIR,  # python -m finds the dub_judge next to these tests (/app or the checkout)
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def dub_wav(tmp_path_factory) -> Path:
    """The judged audio: 6 s Spanish | 6 s English | 6 s digital silence | 1.5 s English (a short last
    window: kept)."""
    require_model("base")
    require_tools("espeak-ng", "sox")
    d = tmp_path_factory.mktemp("judge")
    x = np.concatenate(
        [
            espeak("es", ES, WINDOW_S),
            espeak("en", EN, WINDOW_S),
            np.zeros(WINDOW_S * RATE, np.float32),
            espeak("en", "Hello.", 1.5),
        ]
    )
    write_wav(d / "mono.wav", x)
    # -D: no dither, so the silence stays digital silence
    subprocess.run(["sox", "-D", d / "mono.wav", "-r", "44100", "-c", "2", d / "dub.wav"], check=True)
    return d / "dub.wav"


@pytest.fixture(scope="module")
def heard(dub_wav):
    """One run of the judge over it."""
    d = dub_wav.parent
    proc = judge("--audio", d / "dub.wav", "--window-s", WINDOW_S, "--out", d / "dub.json", "--model-dir", MODEL_DIR)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((d / "dub.json").read_text())
    assert json.loads(proc.stdout) == result  # printed as written
    return result


def words(text: str) -> set[str]:
    return set("".join(c if c.isalnum() else " " for c in text.lower()).split())


def test_spanish_is_heard_as_spanish_with_its_words(heard):
    w = heard["windows"][0]
    assert (w["silent"], w["language"]) == (False, "es"), w
    assert w["probabilities"]["es"] > 0.5 and w["probabilities"]["es"] > 10 * w["probabilities"]["en"], w
    assert {"buenos", "días", "llamo", "juan"} <= words(w["text"]), w["text"]


def test_english_is_heard_as_english(heard):
    w = heard["windows"][1]
    assert (w["silent"], w["language"]) == (False, "en"), w
    assert w["probabilities"]["en"] > 0.3 and w["probabilities"]["en"] > 10 * w["probabilities"]["es"], w
    assert {"good", "morning", "john", "london"} <= words(w["text"]), w["text"]


def test_digital_silence_is_silent(heard):
    w = heard["windows"][2]
    assert w["silent"] is True and w["rms_dbfs"] == -120.0
    assert (w["language"], w["probability"], w["probabilities"], w["text"]) == (None, None, {}, "")


def test_json_shape(heard):
    assert set(heard) == {"model", "model_sha256", "threads", "beam_size", "load_s", "total_s", "windows"}
    info = json.loads((MODEL_DIR / "base" / "MODEL_INFO.json").read_text())
    assert (heard["model"], heard["model_sha256"]) == ("base", info["files"]["model.bin"])
    assert (heard["threads"], heard["beam_size"]) == (2, 5)
    assert 0 < heard["load_s"] < heard["total_s"]
    ws = heard["windows"]
    # 19.5 s of audio: three 6 s windows and the 1.5 s rest
    assert [(w["index"], w["start_s"], w["end_s"]) for w in ws] == [
        (0, 0.0, 6.0),
        (1, 6.0, 12.0),
        (2, 12.0, 18.0),
        (3, 18.0, 19.5),
    ]
    keys = {"index", "start_s", "end_s", "rms_dbfs", "silent", "language", "probability", "probabilities", "text"}
    for w in ws:
        assert set(w) == keys | {"decoded_language", "decode_s"}
        assert w["decoded_language"] == w["language"]  # without --decode-in: the detected one
        assert isinstance(w["rms_dbfs"], float) and isinstance(w["decode_s"], float) and w["decode_s"] >= 0
        if not w["silent"]:
            assert w["rms_dbfs"] >= -50
            probs = w["probabilities"]
            assert {"es", "en"} <= set(probs) and 2 <= len(probs) <= 7
            assert w["probability"] == probs[w["language"]] == max(probs.values())
            assert all(0 <= p <= 1 for p in probs.values())
    assert ws[3]["language"] == "en" and "hello" in words(ws[3]["text"])


def test_decode_in_decodes_other_languages_again_and_keeps_the_detection(heard, dub_wav, tmp_path):
    """--decode-in es: the English window keeps its detection (en, same probabilities) and its English
    text as detected_text; its text is decoded as Spanish. The Spanish window is decoded once.
    Greedy (--beam-size 1) here: beam 5 decodes this English window forced to Spanish back into the
    same English words, which would not show that the second decoding ran."""
    proc = judge(
        "--audio", dub_wav, "--window-s", WINDOW_S, "--out", tmp_path / "o.json",
        "--model-dir", MODEL_DIR, "--decode-in", "es", "--beam-size", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    es, en, silent, _ = json.loads((tmp_path / "o.json").read_text())["windows"]
    before = heard["windows"]
    assert es["decoded_language"] == "es" and "detected_text" not in es, es
    assert {"buenos", "días", "llamo", "juan"} <= words(es["text"]), es["text"]
    assert (en["language"], en["probabilities"]) == ("en", before[1]["probabilities"])
    assert en["decoded_language"] == "es", en
    assert {"good", "morning", "john", "london"} <= words(en["detected_text"]), en
    assert en["text"] and en["text"] != en["detected_text"], en
    assert (silent["decoded_language"], silent["text"]) == (None, "") and "detected_text" not in silent


def test_a_last_window_shorter_than_one_second_is_dropped(tmp_path):
    require_model("base")
    write_wav(tmp_path / "a.wav", np.zeros(round(6.9 * RATE), np.float32))
    proc = judge("--audio", tmp_path / "a.wav", "--window-s", "6", "--out", tmp_path / "o.json")
    assert proc.returncode == 0, proc.stderr
    ws = json.loads((tmp_path / "o.json").read_text())["windows"]
    assert [(w["start_s"], w["end_s"], w["silent"]) for w in ws] == [(0.0, 6.0, True)]


def test_missing_model_exits_2_with_one_clear_line(tmp_path):
    audio = tmp_path / "a.wav"
    write_wav(audio, np.zeros(RATE * 2, np.float32))
    proc = judge("--audio", audio, "--window-s", "6", "--out", tmp_path / "o.json", "--model", "small")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dub_judge: no Whisper model 'small' in "), proc.stderr
    assert "installed: " in lines[0] and "--model" in lines[0]
    assert not (tmp_path / "o.json").exists()

    empty = tmp_path / "models"
    empty.mkdir()
    proc = judge("--audio", audio, "--window-s", "6", "--out", tmp_path / "o.json", "--model-dir", empty)
    assert proc.returncode == 2 and "installed: none" in proc.stderr


def test_missing_audio_exits_2(tmp_path):
    proc = judge("--audio", tmp_path / "nope.wav", "--window-s", "6", "--out", tmp_path / "o.json")
    assert proc.returncode == 2
    missing = tmp_path / "nope.wav"
    assert proc.stderr.strip() == f"dub_judge: audio file {missing} not found (pass the dubbed recording with --audio)"


def test_english_only_model_is_refused(tmp_path):
    require_model("tiny.en")
    audio = tmp_path / "a.wav"
    write_wav(audio, espeak("en", "Hello.", 2))
    proc = judge("--audio", audio, "--window-s", "6", "--out", tmp_path / "o.json", "--model", "tiny.en")
    assert proc.returncode == 2 and "English-only" in proc.stderr, proc.stderr


def test_judge_does_not_import_the_service():
    """It judges the service's output: it must not share its code."""
    for f in (STS_DIR / "dub_judge").glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "sts_service" for n in names), (f.name, names)
