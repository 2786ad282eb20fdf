"""A small pipeline of composable processors passing typed frames (the Pipecat idea: ASR -> MT ->
TTS as independent stages).

Every processor turns one frame into the next one. A processor that fails returns an ErrorFrame
instead of raising; the pipeline stops there and reports `partial` (some text was produced) or
`failed`, with the reason. Processors run their blocking work in an executor, so the event loop
keeps serving other streams.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .audio import PcmFormat

log = logging.getLogger("sts.pipeline")

# ---------------------------------------------------------------- frames


@dataclass
class FragmentContext:
    """What every stage may need to know about the fragment being processed."""

    stream_id: str
    fragment_id: str
    sequence_number: int
    fmt: PcmFormat
    source_language: str
    target_language: str
    frames: int  # length of the input (and of the output) in frames
    timings_ms: dict[str, float] = field(default_factory=lambda: {"asr": 0.0, "translation": 0.0, "tts": 0.0})
    info: dict[str, Any] = field(default_factory=dict)

    started_at: Optional[float] = None  # perf_counter() when the first stage started working
    # The input audio, float32 (frames, channels) at the stream's rate: the TTS stage matches its level.
    input_samples: Optional[np.ndarray] = field(default=None, repr=False)

    def mark_start(self, t: float) -> None:
        if self.started_at is None:
            self.started_at = t

    def add_time(self, stage: str, ms: float) -> None:
        self.timings_ms[stage] = self.timings_ms.get(stage, 0.0) + ms

    def log_extra(self, stage: str) -> dict[str, Any]:
        return {"stream_id": self.stream_id, "fragment_id": self.fragment_id, "stage": stage}


@dataclass
class Frame:
    pass


@dataclass
class InputAudioFrame(Frame):
    pcm: bytes  # wire format
    samples: np.ndarray  # float32 (frames, channels)


@dataclass
class TranscriptionFrame(Frame):
    text: str
    language: str
    speech_start_s: Optional[float]  # where the first speech segment starts, if any
    segments: list[tuple[float, float, str]]


@dataclass
class TranslationFrame(Frame):
    source_text: str
    text: str
    speech_start_s: Optional[float]


@dataclass
class OutputAudioFrame(Frame):
    pcm: bytes  # wire format, exactly ctx.frames frames
    transcript: str
    translated_text: str


@dataclass
class ErrorFrame(Frame):
    stage: str
    code: str  # STAGE_FAILED | PROCESSING_TIMEOUT | INTERNAL
    message: str


# ---------------------------------------------------------------- processors


class FrameProcessor:
    """One stage. Subclasses implement `process_sync` (run in the executor) or override `process`."""

    stage: str = "pipeline"  # asr | translation | tts: the key in stage_timings_ms
    accepts: tuple[type[Frame], ...] = (Frame,)

    def __init__(self, executor: Optional[Executor] = None):
        self.executor = executor

    def process_sync(self, frame: Frame, ctx: FragmentContext) -> Frame:  # pragma: no cover
        raise NotImplementedError

    async def process(self, frame: Frame, ctx: FragmentContext) -> Frame:
        """Run process_sync in the executor; the stage time counts the work only, not the wait
        for a free executor thread."""
        loop = asyncio.get_running_loop()

        def timed() -> Frame:
            started = time.perf_counter()
            ctx.mark_start(started)
            try:
                return self.process_sync(frame, ctx)
            finally:
                ctx.add_time(self.stage, (time.perf_counter() - started) * 1000)

        return await loop.run_in_executor(self.executor, timed)

    async def __call__(self, frame: Frame, ctx: FragmentContext) -> Frame:
        if not isinstance(frame, self.accepts):
            return ErrorFrame(self.stage, "INTERNAL", f"{type(self).__name__} cannot take a {type(frame).__name__}")
        try:
            return await self.process(frame, ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing stage never crashes the service
            log.warning("stage failed: %s", exc, extra=ctx.log_extra(self.stage), exc_info=True)
            return ErrorFrame(self.stage, "STAGE_FAILED", f"{self.stage} failed: {exc}")


@dataclass
class PipelineResult:
    status: str  # success | partial | failed
    transcript: str
    translated_text: str
    pcm: bytes
    error: Optional[ErrorFrame]
    timings_ms: dict[str, float]
    info: dict[str, Any]


class Pipeline:
    """Runs processors in order; the first ErrorFrame stops the run."""

    def __init__(self, processors: list[FrameProcessor]):
        self.processors = processors

    async def run(self, frame: InputAudioFrame, ctx: FragmentContext) -> PipelineResult:
        transcript = ""
        translated = ""
        if ctx.input_samples is None:
            ctx.input_samples = frame.samples
        current: Frame = frame
        for proc in self.processors:
            current = await proc(current, ctx)
            if isinstance(current, TranscriptionFrame):
                transcript = current.text
            elif isinstance(current, TranslationFrame):
                translated = current.text
            elif isinstance(current, ErrorFrame):
                break
        if isinstance(current, OutputAudioFrame):
            return PipelineResult(
                "success", current.transcript, current.translated_text, current.pcm, None, ctx.timings_ms, ctx.info
            )
        if isinstance(current, ErrorFrame):
            status = "partial" if transcript else "failed"
            return PipelineResult(status, transcript, translated, frame.pcm, current, ctx.timings_ms, ctx.info)
        err = ErrorFrame("pipeline", "INTERNAL", f"pipeline ended with {type(current).__name__}")
        return PipelineResult("failed", transcript, translated, frame.pcm, err, ctx.timings_ms, ctx.info)


class FunctionProcessor(FrameProcessor):
    """Wrap a plain function as a stage (used by tests to inject failures)."""

    DEFAULT_ACCEPTS = {"asr": (InputAudioFrame,), "translation": (TranscriptionFrame,), "tts": (TranslationFrame,)}

    def __init__(
        self,
        stage: str,
        fn: Callable[[Frame, FragmentContext], Frame],
        executor: Optional[Executor] = None,
        accepts: Optional[tuple[type[Frame], ...]] = None,
    ):
        super().__init__(executor)
        self.stage = stage
        self.fn = fn
        self.accepts = accepts or self.DEFAULT_ACCEPTS.get(stage, (Frame,))

    def process_sync(self, frame: Frame, ctx: FragmentContext) -> Frame:
        return self.fn(frame, ctx)
