"""Hear a dubbed recording: per window of --window-s seconds, the language Whisper detects (with its
probabilities) and the text it transcribes.

    python -m dub_judge --audio FILE.wav --window-s 6 --out FILE.json
        [--model base] [--model-dir /opt/models/whisper] [--threads 2] [--beam-size 5] [--silence-dbfs -50]
        [--decode-in LANG]

The audio is decoded to 16 kHz mono (any format, rate and channel count PyAV reads) and cut into
consecutive windows of --window-s seconds; the last one may be shorter and is dropped when shorter
than 1 s. A window whose RMS is below --silence-dbfs is reported silent (language null, text "")
without running the model. Every other window goes through faster-whisper's transcribe with
language detection on the window (multilingual=True: the language is detected on the same encoder
output the text is decoded from, so each window is encoded once), beam size --beam-size, temperature
0, no timestamps, no VAD, no conditioning on earlier windows and at most 20 tokens per second of
window. The model must be multilingual (an English-only model cannot tell Spanish from English).

With --decode-in LANG, a speech window detected as another language is decoded a second time in
LANG: "text" is then that decoding and "detected_text" the one in the detected language. The
detection (language, probabilities) is never changed by it. Whisper base hears espeak-ng's Spanish
as Italian on near ties (p(it) 0.40 against p(es) 0.35) that tip either way between two recordings
of the same dub; decoded as Italian its Spanish words are lost, so a word count would follow the tie.

Writes to --out and prints to stdout:
    {"model", "model_sha256" (MODEL_INFO.json, else null), "threads", "beam_size", "load_s", "total_s",
     "windows": [{"index", "start_s", "end_s", "rms_dbfs" (>= -120), "silent", "language",
                  "probability", "probabilities" (top 5 + "es" and "en"), "text", "decoded_language"
                  (null when silent), ["detected_text",] "decode_s"}]}
load_s is the model load; total_s everything from the start of main (import of faster-whisper,
decoding, load, every window).

Exit 0 on success; 2 with one line on stderr for a missing or unreadable audio file, a missing or
English-only model, or an --out that cannot be written (in the STS image the process runs as user
`sts`: a mounted output directory must be writable by it, e.g. chmod 0777)."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
MIN_WINDOW_S = 1.0
RMS_FLOOR_DBFS = -120.0
TOP_LANGUAGES = 5
ALWAYS_LANGUAGES = ("es", "en")
# Decoding stops after this many tokens per second of window (fast speech: ~8). Without a bound, a
# decoder stuck in a loop on unclear speech ("muy bien, muy bien, ...") runs to Whisper's 448-token
# limit: 4x the time of that window for text that is noise anyway.
TOKENS_PER_SECOND = 20


class UsageError(Exception):
    """An input the judge cannot work with: exit 2 with the message."""


class _LanguageRecorder:
    """Stands in for the CTranslate2 Whisper model inside faster-whisper's WhisperModel and keeps the
    result of the last detect_language call (every other attribute is the real model's).

    transcribe(language=None) encodes a window twice: once to detect the language, once to decode.
    transcribe(multilingual=True) detects the language on the encoder output it decodes from (and
    decodes in that language), so each window is encoded once: half the time. Only the per-language
    probabilities of that detection are not returned by faster-whisper; this records them."""

    def __init__(self, ct2_model: Any):
        self._model = ct2_model
        self.last: list[tuple[str, float]] | None = None

    def detect_language(self, encoder_output: Any) -> Any:
        results = self._model.detect_language(encoder_output)
        self.last = [(token[2:-2], float(p)) for token, p in results[0]]  # "<|es|>" -> "es"
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def rms_dbfs(x: np.ndarray) -> float:
    if x.size == 0:
        return RMS_FLOOR_DBFS
    rms = math.sqrt(float(np.mean(np.square(x, dtype=np.float64))))
    return max(RMS_FLOOR_DBFS, 20 * math.log10(rms) if rms > 0 else RMS_FLOOR_DBFS)


def windows(n_samples: int, window_s: float) -> list[tuple[int, int]]:
    """Sample ranges of consecutive windows; a last one shorter than MIN_WINDOW_S is dropped."""
    step = round(window_s * SAMPLE_RATE)
    out = []
    for start in range(0, n_samples, step):
        end = min(start + step, n_samples)
        if end - start < round(MIN_WINDOW_S * SAMPLE_RATE):
            break
        out.append((start, end))
    return out


def model_sha256(path: Path) -> str | None:
    try:
        info = json.loads((path / "MODEL_INFO.json").read_text())
    except (OSError, ValueError):
        return None
    sha = info.get("model_sha256") or info.get("files", {}).get("model.bin")
    return sha if isinstance(sha, str) else None


def installed(model_dir: Path) -> list[str]:
    try:
        return sorted(p.name for p in model_dir.iterdir() if (p / "model.bin").is_file())
    except OSError:
        return []


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m dub_judge", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--audio", required=True, type=Path, help="the recording (WAV or anything PyAV decodes)")
    ap.add_argument("--window-s", required=True, type=float, help="window length in seconds (e.g. 6)")
    ap.add_argument("--out", required=True, type=Path, help="where to write the JSON")
    ap.add_argument("--model", default="base", help="Whisper model directory name (default base; multilingual)")
    ap.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("ASR_MODEL_DIR") or "/opt/models/whisper"),
        help="where the models are (default $ASR_MODEL_DIR or /opt/models/whisper)",
    )
    ap.add_argument("--threads", type=int, default=2, help="CTranslate2 intra-op threads (default 2)")
    # 5: greedy decoding (1) loops on espeak-ng's fast, time-fitted counting ("7, 8, 8, 8, ..." for
    # "siete ocho nueve diez once doce"): on one recording (2026-12-03) beam 5 heard 20 of the 30
    # Spanish words where greedy heard 17, in about the same time (6.6 s against 6.1 s for 5 windows).
    ap.add_argument("--beam-size", type=int, default=5, help="decoding beam size (default 5)")
    ap.add_argument(
        "--silence-dbfs", type=float, default=-50.0, help="windows with a lower RMS are silent (default -50)"
    )
    ap.add_argument(
        "--decode-in",
        metavar="LANG",
        help="decode a window detected as another language again in LANG (its text; default: the detected one)",
    )
    args = ap.parse_args(argv)
    if not args.window_s >= MIN_WINDOW_S:
        ap.error(f"--window-s must be at least {MIN_WINDOW_S:g}")
    if args.threads < 1 or args.beam_size < 1:
        ap.error("--threads and --beam-size must be at least 1")
    return args


def judge(args: argparse.Namespace, t0: float) -> dict[str, Any]:
    if not args.audio.is_file():
        raise UsageError(f"audio file {args.audio} not found (pass the dubbed recording with --audio)")
    path = args.model_dir / args.model
    if not (path / "model.bin").is_file():
        have = installed(args.model_dir)
        raise UsageError(
            f"no Whisper model '{args.model}' in {args.model_dir} (no {path / 'model.bin'}; installed: "
            f"{', '.join(have) or 'none'}): pass --model NAME of an installed multilingual model, or "
            "--model-dir DIR holding NAME/{config.json,model.bin,tokenizer.json,vocabulary.txt}"
        )
    created = not args.out.exists()
    try:  # fail before the slow work when the output cannot be written
        args.out.touch()
    except OSError as exc:
        raise UsageError(
            f"cannot write --out {args.out}: {exc.strerror} (in the STS image the judge runs as user "
            "'sts': make the mounted directory writable, e.g. chmod 0777)"
        ) from exc

    try:
        return _judge(args, path, t0)
    except UsageError:
        if created:
            args.out.unlink(missing_ok=True)
        raise


def _transcribe(model: Any, recorder: _LanguageRecorder, x: np.ndarray, language: str | None, beam_size: int):
    """(language probabilities of the window, highest first, or {} when `language` is given; its text
    decoded in the detected language, or in `language`)."""
    recorder.last = None
    segments, _ = model.transcribe(
        x,
        language=language or "en",  # without one, only the starting point: multilingual=True detects it
        multilingual=language is None,
        task="transcribe",
        beam_size=beam_size,
        condition_on_previous_text=False,
        without_timestamps=True,
        temperature=0.0,
        vad_filter=False,
        max_new_tokens=min(440, math.ceil(TOKENS_PER_SECOND * len(x) / SAMPLE_RATE)),
    )
    text = " ".join(" ".join(s.text.strip() for s in segments).split())  # the generator does the work
    if language is not None:
        return {}, text
    if not recorder.last:
        raise RuntimeError("faster-whisper ran no language detection (dub_judge expects faster-whisper 1.2)")
    return dict(recorder.last), text


def _judge(args: argparse.Namespace, path: Path, t0: float) -> dict[str, Any]:
    from faster_whisper import WhisperModel, decode_audio

    try:
        audio = decode_audio(str(args.audio), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises its own error types for unreadable input
        raise UsageError(f"cannot decode {args.audio}: {exc}") from exc

    t_load = time.perf_counter()
    model = WhisperModel(
        str(path), device="cpu", compute_type="int8", cpu_threads=args.threads, num_workers=1, local_files_only=True
    )
    load_s = time.perf_counter() - t_load
    if not model.model.is_multilingual:
        raise UsageError(
            f"model '{args.model}' is English-only: it cannot tell which language it hears; use a multilingual "
            "model (--model base)"
        )
    recorder = model.model = _LanguageRecorder(model.model)

    out_windows = []
    for index, (a, b) in enumerate(windows(len(audio), args.window_s)):
        x = audio[a:b]
        t = time.perf_counter()
        w: dict[str, Any] = {
            "index": index,
            "start_s": round(a / SAMPLE_RATE, 3),
            "end_s": round(b / SAMPLE_RATE, 3),
            "rms_dbfs": round(rms_dbfs(x), 2),
            "silent": False,
            "language": None,
            "probability": None,
            "probabilities": {},
            "text": "",
            "decoded_language": None,
        }
        if w["rms_dbfs"] < args.silence_dbfs:
            w["silent"] = True
        else:
            probs, text = _transcribe(model, recorder, x, None, args.beam_size)
            keep = list(probs)[:TOP_LANGUAGES]
            keep += [lang for lang in ALWAYS_LANGUAGES if lang not in keep]
            w["language"] = keep[0]
            w["probability"] = round(probs[keep[0]], 4)
            w["probabilities"] = {lang: round(probs.get(lang, 0.0), 4) for lang in keep}
            w["text"] = text
            w["decoded_language"] = keep[0]
            if args.decode_in and args.decode_in != keep[0]:
                _, w["text"] = _transcribe(model, recorder, x, args.decode_in, args.beam_size)
                w["decoded_language"] = args.decode_in
                w["detected_text"] = text
        w["decode_s"] = round(time.perf_counter() - t, 3)
        out_windows.append(w)

    return {
        "model": args.model,
        "model_sha256": model_sha256(path),
        "threads": args.threads,
        "beam_size": args.beam_size,
        "load_s": round(load_s, 3),
        "total_s": round(time.perf_counter() - t0, 3),
        "windows": out_windows,
    }


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    args = parse_args(argv)
    try:
        result = judge(args, t0)
        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --out {args.out}: {exc.strerror}") from exc
    except UsageError as exc:
        print(f"dub_judge: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
