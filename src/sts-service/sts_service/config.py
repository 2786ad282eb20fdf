"""Service configuration, read from environment variables (see README.md for the table)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .protocol_gen import PROTOCOL_VERSION  # noqa: F401  (re-exported; generated from the schemas)

SUPPORTED_SAMPLE_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
SUPPORTED_CHANNELS = (1, 2)
SUPPORTED_SAMPLE_FORMATS = ("s16le", "f32le")


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not an integer") from exc
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={value} is outside [{lo}, {hi}]")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number") from exc
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={value} is outside [{lo}, {hi}]")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or default
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={env.get(name)!r} is not a boolean (1/0, true/false, yes/no, on/off)")


def normalise_asr_model(name: str) -> str:
    """Accept the spec's spelling ('whisper-base') as well as the short one ('base')."""
    name = name.strip().lower()
    for prefix in ("whisper-", "faster-whisper-"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


@dataclass(frozen=True)
class Config:
    host: str = "0.0.0.0"
    port: int = 3000
    mode: str = "real"  # real | echo
    # A directory under asr_model_dir; the image installs base (multilingual, the default) and tiny.en.
    asr_model: str = "base"
    asr_compute_type: str = "int8"
    asr_beam_size: int = 1
    asr_repetition_penalty: float = 1.1
    asr_cpu_threads: int = 0  # 0 = CTranslate2 default (all cores)
    asr_workers: int = 1
    asr_model_dir: str = "/opt/models/whisper"
    # Energy gate: a fragment below asr.SILENCE_DBFS is answered as silence without running Whisper.
    asr_silence_gate: bool = True
    translation_provider: str = "apertium"
    tts_provider: str = "espeak-ng"
    tts_voice: str = "es"
    tts_rate_wpm: int = 160
    tts_max_tempo: float = 2.5
    tts_min_tempo: float = 0.85
    device: str = "cpu"
    max_inflight: int = 3
    processing_timeout_s: float = 30.0
    max_fragment_bytes: int = 4 * 1024 * 1024
    max_fragment_duration_ns: int = 30_000_000_000
    duration_tolerance_ns: int = 10_000_000
    auth_token: str = ""
    log_level: str = "INFO"
    monitor_history: int = 100
    warmup: bool = True
    # Fault injection (tests only): every fragment is answered no earlier than this many ms after
    # it was received, whatever the pipeline takes. Simulates a slow service (scenarios/sts_slow.yaml).
    # Refused at startup unless STS_FAULTS_ENABLED=1 (like the media service's MEDIA_FAULTS_ENABLED).
    fault_delay_ms: int = 0

    @property
    def transport_max_message_bytes(self) -> int:
        # Room for a fragment of max size plus its JSON header; anything between
        # max_fragment_bytes and this gets a precise PAYLOAD_TOO_LARGE error.
        return 2 * self.max_fragment_bytes + 64 * 1024

    @property
    def language_pairs(self) -> list[dict[str, str]]:
        return [{"source": "en", "target": "es"}]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        asr_model = normalise_asr_model(env.get("ASR_MODEL", "") or "base")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{0,63}", asr_model):
            raise ConfigError(
                f"ASR_MODEL={env.get('ASR_MODEL')!r} is not a model name (a directory under ASR_MODEL_DIR; "
                "the image has base and tiny.en)"
            )
        device = _choice(env, "DEVICE", "cpu", ("cpu",))
        fault_delay_ms = _int(env, "STS_FAULT_DELAY_MS", 0, 0, 600_000)
        if fault_delay_ms > 0 and not _bool(env, "STS_FAULTS_ENABLED", False):
            raise ConfigError(
                f"STS_FAULT_DELAY_MS={fault_delay_ms}: test-only fault injection that delays every answer, "
                "refused unless STS_FAULTS_ENABLED=1 is set too (never in production)"
            )
        return cls(
            host=env.get("HOST", "").strip() or "0.0.0.0",
            port=_int(env, "PORT", 3000, 1, 65535),
            mode=_choice(env, "STS_MODE", "real", ("real", "echo")),
            asr_model=asr_model,
            asr_compute_type=_choice(
                env, "ASR_COMPUTE_TYPE", "int8", ("int8", "int8_float32", "int16", "float32", "default")
            ),
            asr_beam_size=_int(env, "ASR_BEAM_SIZE", 1, 1, 10),
            asr_repetition_penalty=_float(env, "ASR_REPETITION_PENALTY", 1.1, 1.0, 2.0),
            asr_cpu_threads=_int(env, "ASR_CPU_THREADS", 0, 0, 256),
            asr_workers=_int(env, "ASR_WORKERS", 1, 1, 16),
            asr_model_dir=env.get("ASR_MODEL_DIR", "").strip() or "/opt/models/whisper",
            asr_silence_gate=_bool(env, "ASR_SILENCE_GATE", True),
            translation_provider=_choice(env, "TRANSLATION_PROVIDER", "apertium", ("apertium", "google")),
            tts_provider=_choice(env, "TTS_PROVIDER", "espeak-ng", ("espeak-ng", "espeak", "coqui")),
            tts_voice=env.get("TTS_VOICE", "").strip() or "es",
            tts_rate_wpm=_int(env, "TTS_RATE_WPM", 160, 80, 450),
            tts_max_tempo=_float(env, "TTS_MAX_TEMPO", 2.5, 1.0, 4.0),
            tts_min_tempo=_float(env, "TTS_MIN_TEMPO", 0.85, 0.5, 1.0),
            device=device,
            max_inflight=_int(env, "MAX_INFLIGHT", 3, 1, 64),
            processing_timeout_s=_float(env, "PROCESSING_TIMEOUT", 30.0, 0.1, 3600.0),
            max_fragment_bytes=_int(env, "MAX_FRAGMENT_BYTES", 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
            max_fragment_duration_ns=_int(env, "MAX_FRAGMENT_DURATION_MS", 30_000, 100, 600_000) * 1_000_000,
            duration_tolerance_ns=_int(env, "DURATION_TOLERANCE_MS", 10, 0, 1000) * 1_000_000,
            auth_token=env.get("STS_AUTH_TOKEN", ""),
            log_level=_choice(
                env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error")
            ).upper(),
            monitor_history=_int(env, "MONITOR_HISTORY", 100, 0, 10_000),
            warmup=env.get("STS_WARMUP", "1").strip().lower() not in ("0", "false", "no", "off"),
            fault_delay_ms=fault_delay_ms,
        )
