"""The processing engine: loads the models, builds the ASR -> MT -> TTS pipeline (or the echo
pipeline), runs one fragment with a timeout."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .audio import PcmFormat, decode_pcm, parse_wav
from .config import Config
from .pipeline import (
    ErrorFrame,
    FragmentContext,
    FrameProcessor,
    InputAudioFrame,
    OutputAudioFrame,
    Pipeline,
    PipelineResult,
)

log = logging.getLogger("sts.engine")


class EchoProcessor(FrameProcessor):
    """STS_MODE=echo: the input audio unchanged, empty texts. For media-service tests only."""

    stage = "tts"
    accepts = (InputAudioFrame,)

    async def process(self, frame: InputAudioFrame, ctx: FragmentContext) -> OutputAudioFrame:
        ctx.mark_start(time.perf_counter())
        return OutputAudioFrame(frame.pcm, "", "")


@dataclass
class FragmentOutcome:
    result: PipelineResult
    queue_time_ms: float
    processing_time_ms: float


class Engine:
    def __init__(self, config: Config):
        self.config = config
        self.state = "loading"  # loading | ready | error
        self.error: Optional[str] = None
        self.models: dict[str, Any] = {}
        self.model_names = {"asr": "", "translation": "", "tts": ""}
        self.pipeline: Optional[Pipeline] = None
        self.loaded_at: Optional[float] = None
        self.load_seconds: Optional[float] = None
        self._asr_pool = ThreadPoolExecutor(max_workers=config.asr_workers, thread_name_prefix="asr")
        self._pool = ThreadPoolExecutor(max_workers=max(4, 2 * config.max_inflight), thread_name_prefix="stage")
        self.pairs: list[tuple[str, str]] = [("en", "es")]

    # ------------------------------------------------------------ loading

    def load(self) -> None:
        """Blocking: load every model, warm the pipeline up. Sets state ready or error."""
        t0 = time.perf_counter()
        try:
            if self.config.mode == "echo":
                self.pipeline = Pipeline([EchoProcessor()])
                self.model_names = {"asr": "none (echo)", "translation": "none (echo)", "tts": "none (echo)"}
                self.models = {"mode": "echo"}
                self.pairs = []
            else:
                self._load_real()
            self.state = "ready"
        except Exception as exc:
            self.state = "error"
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("model loading failed: %s", self.error)
            raise
        finally:
            self.load_seconds = time.perf_counter() - t0
            self.loaded_at = time.time()
        log.info("engine ready in %.2f s", self.load_seconds, extra={"stage": "load"})

    def _load_real(self) -> None:
        from .asr import AsrProcessor, WhisperAsr
        from .translation import TranslationProcessor
        from .translation import make_provider as make_mt
        from .tts import TtsProcessor
        from .tts import make_provider as make_tts

        c = self.config
        mt = make_mt(c.translation_provider)
        tts = make_tts(c.tts_provider, c.tts_voice, c.tts_rate_wpm)
        asr = WhisperAsr(
            c.asr_model_dir,
            c.asr_model,
            compute_type=c.asr_compute_type,
            device=c.device,
            cpu_threads=c.asr_cpu_threads,
            workers=c.asr_workers,
            beam_size=c.asr_beam_size,
            repetition_penalty=c.asr_repetition_penalty,
            silence_gate=c.asr_silence_gate,
        )
        self.pairs = [p for p in mt.pairs() if p == ("en", "es")] or mt.pairs()
        self.pipeline = Pipeline(
            [
                AsrProcessor(asr, self._asr_pool),
                TranslationProcessor(mt, self._pool),
                TtsProcessor(tts, max_tempo=c.tts_max_tempo, min_tempo=c.tts_min_tempo, executor=self._pool),
            ]
        )
        self.models = {"asr": asr.describe(), "translation": mt.describe(), "tts": tts.describe()}
        self.model_names = {
            "asr": f"faster-whisper {asr.name} ({c.asr_compute_type})",
            "translation": mt.display(),
            "tts": tts.display(),
        }
        if c.warmup:
            self._warmup()

    def _warmup(self) -> None:
        """One real fragment through the whole pipeline, so the first client fragment does not pay
        for lazy initialisation (CTranslate2 kernels, VAD session, page cache)."""
        wav = subprocess.run(
            ["espeak-ng", "-v", "en", "--stdout", "one two three"], capture_output=True, timeout=20, check=True
        ).stdout
        samples, rate = parse_wav(wav)
        fmt = PcmFormat(16000, 1, "s16le")
        pcm = _resample_to_pcm(samples, rate, fmt)
        t0 = time.perf_counter()
        res = asyncio.run(self.run_fragment(pcm, fmt, "warmup", "warmup-0", 0, "en", "es", timeout_s=120))
        log.info(
            "warm-up: %s in %.0f ms: %r -> %r",
            res.result.status,
            (time.perf_counter() - t0) * 1000,
            res.result.transcript,
            res.result.translated_text,
            extra={"stage": "load"},
        )
        if res.result.status != "success":
            raise RuntimeError(f"warm-up fragment failed: {res.result.error}")

    # ------------------------------------------------------------ processing

    async def run_fragment(
        self,
        pcm: bytes,
        fmt: PcmFormat,
        stream_id: str,
        fragment_id: str,
        seq: int,
        source_language: str,
        target_language: str,
        *,
        timeout_s: float,
        received_at: Optional[float] = None,
    ) -> FragmentOutcome:
        """Run one fragment; never raises (a failure is a `failed` result with passthrough audio)."""
        assert self.pipeline is not None, "engine not loaded"
        received_at = received_at if received_at is not None else time.perf_counter()
        frames = fmt.frames(pcm)
        ctx = FragmentContext(stream_id, fragment_id, seq, fmt, source_language, target_language, frames)
        try:
            samples = decode_pcm(pcm, fmt)
            result = await asyncio.wait_for(
                self.pipeline.run(InputAudioFrame(pcm, samples), ctx), timeout=max(0.001, timeout_s)
            )
        except TimeoutError:
            err = ErrorFrame(
                "pipeline",
                "PROCESSING_TIMEOUT",
                f"fragment not processed within PROCESSING_TIMEOUT={self.config.processing_timeout_s:g} s",
            )
            result = PipelineResult("failed", "", "", pcm, err, dict(ctx.timings_ms), ctx.info)
        except Exception as exc:  # defensive: the pipeline already turns stage errors into frames
            log.exception("pipeline crashed", extra=ctx.log_extra("pipeline"))
            err = ErrorFrame("pipeline", "INTERNAL", f"internal error: {type(exc).__name__}: {exc}")
            result = PipelineResult("failed", "", "", pcm, err, dict(ctx.timings_ms), ctx.info)
        done = time.perf_counter()
        started = ctx.started_at if ctx.started_at is not None else done
        return FragmentOutcome(result, max(0.0, (started - received_at) * 1000), max(0.0, (done - started) * 1000))

    def describe(self) -> dict[str, Any]:
        return {
            "mode": self.config.mode,
            "models": self.models,
            "load_seconds": round(self.load_seconds, 3) if self.load_seconds is not None else None,
            "pid": os.getpid(),
        }

    def shutdown(self) -> None:
        self._asr_pool.shutdown(wait=False, cancel_futures=True)
        self._pool.shutdown(wait=False, cancel_futures=True)


def _resample_to_pcm(samples: np.ndarray, rate: int, fmt: PcmFormat) -> bytes:
    from .audio import convert, encode_pcm

    return encode_pcm(convert(samples, rate, fmt.sample_rate, fmt.channels), fmt)
