"""PCM helpers: decode/encode the wire formats, resample and change tempo with SoX, fit a clip to
an exact number of frames."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from dataclasses import dataclass

import numpy as np

SOX = shutil.which("sox") or "sox"


class AudioError(RuntimeError):
    pass


@dataclass(frozen=True)
class PcmFormat:
    sample_rate: int
    channels: int
    sample_format: str  # s16le | f32le

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.sample_format == "s16le" else 4

    @property
    def bytes_per_frame(self) -> int:
        return self.bytes_per_sample * self.channels

    def frames(self, data: bytes) -> int:
        return len(data) // self.bytes_per_frame

    def duration_ns(self, frames: int) -> int:
        return frames_to_ns(frames, self.sample_rate)


def frames_to_ns(frames: int, rate: int) -> int:
    """Duration of `frames` frames at `rate` Hz in integer nanoseconds, rounded to the nearest (half
    up). The protocol's one rule, shared with the C++ client (dub::sts::protocol::frames_to_ns) and
    checked on both sides by docs/protocol/vectors/frames_ns.json."""
    if rate <= 0:
        return 0
    return (frames * 1_000_000_000 + rate // 2) // rate


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_pcm(data: bytes, fmt: PcmFormat) -> np.ndarray:
    """Bytes -> float32 array of shape (frames, channels), nominal range [-1, 1]. s16le: the
    protocol's codec (sample / 32768; docs/protocol/vectors/pcm_s16le.json, C++: dub::sts::pcm)."""
    if len(data) % fmt.bytes_per_sample:
        raise AudioError(f"{len(data)} bytes is not a whole number of {fmt.sample_format} samples")
    if fmt.sample_format == "s16le":
        arr = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif fmt.sample_format == "f32le":
        arr = np.frombuffer(data, dtype="<f4").astype(np.float32)
    else:
        raise AudioError(f"unsupported sample format {fmt.sample_format}")
    return arr.reshape(-1, fmt.channels)


def encode_pcm(samples: np.ndarray, fmt: PcmFormat) -> bytes:
    """float32 (frames, channels) -> bytes in fmt (clipped to [-1, 1] for s16le)."""
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[1] != fmt.channels:
        raise AudioError(f"expected {fmt.channels} channels, got {samples.shape[1]}")
    if fmt.sample_format == "s16le":
        clipped = np.clip(samples, -1.0, 32767.0 / 32768.0)
        return np.round(clipped * 32768.0).astype("<i2").tobytes()
    if fmt.sample_format == "f32le":
        return samples.astype("<f4").tobytes()
    raise AudioError(f"unsupported sample format {fmt.sample_format}")


def rms_dbfs(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -200.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-10))


def _sox(data: bytes, in_rate: int, in_channels: int, out_rate: int, out_channels: int, effects: list[str]) -> bytes:
    """Run SoX on raw float32 LE input, return raw float32 LE output."""
    cmd = [
        SOX,
        "-D",
        "-V1",
        "-t",
        "raw",
        "-r",
        str(in_rate),
        "-e",
        "floating-point",
        "-b",
        "32",
        "-c",
        str(in_channels),
        "-L",
        "-",
        "-t",
        "raw",
        "-r",
        str(out_rate),
        "-e",
        "floating-point",
        "-b",
        "32",
        "-c",
        str(out_channels),
        "-L",
        "-",
        *effects,
    ]
    try:
        proc = subprocess.run(cmd, input=data, capture_output=True, timeout=60, check=False)
    except FileNotFoundError as exc:
        raise AudioError("sox is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError("sox timed out") from exc
    if proc.returncode != 0:
        raise AudioError(f"sox failed ({proc.returncode}): {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def convert(samples: np.ndarray, in_rate: int, out_rate: int, out_channels: int, tempo: float = 1.0) -> np.ndarray:
    """Resample / remix (and optionally change tempo without changing pitch, WSOLA-based SoX
    `tempo`) a float32 (frames, channels) array."""
    if samples.ndim == 1:
        samples = samples[:, None]
    in_channels = samples.shape[1]
    if samples.shape[0] == 0:
        return np.zeros((0, out_channels), dtype=np.float32)
    effects: list[str] = []
    if abs(tempo - 1.0) > 1e-3:
        effects += ["tempo", "-s", f"{tempo:.4f}"]
    if in_rate != out_rate:
        effects += ["rate", "-v", str(out_rate)]
    if in_channels != out_channels:
        effects += ["channels", str(out_channels)]
    if not effects:
        return samples.astype(np.float32, copy=True)
    raw = _sox(samples.astype("<f4").tobytes(), in_rate, in_channels, out_rate, out_channels, effects)
    out = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return out.reshape(-1, out_channels)


def to_mono_16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Input for Whisper: mono float32 at 16 kHz, shape (n,)."""
    if samples.ndim == 2 and samples.shape[1] > 1:
        mono = samples.mean(axis=1, dtype=np.float32)[:, None]
    else:
        mono = samples.reshape(-1, 1)
    if sample_rate == 16000:
        return mono[:, 0].astype(np.float32, copy=True)
    return convert(mono, sample_rate, 16000, 1)[:, 0]


def parse_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Parse a PCM16 WAV as written by espeak-ng --stdout (whose size fields may be bogus because
    it streams): returns float32 (frames, channels) and the sample rate."""
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a RIFF/WAVE stream")
    pos = 12
    rate = channels = bits = None
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            fmt_tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body : body + 16])
            if fmt_tag != 1 or bits != 16:
                raise AudioError(f"unsupported WAV encoding tag={fmt_tag} bits={bits}")
        elif cid == b"data":
            if rate is None or channels is None:
                raise AudioError("WAV data chunk before fmt chunk")
            end = len(data) if size == 0 or body + size > len(data) else body + size
            pcm = data[body:end]
            pcm = pcm[: len(pcm) - (len(pcm) % (2 * channels))]
            return decode_pcm(pcm, PcmFormat(int(rate), channels, "s16le")), int(rate)
        pos = body + size + (size & 1)
    raise AudioError("WAV without data chunk")


def trim_silence(samples: np.ndarray, threshold: float = 10 ** (-50 / 20)) -> np.ndarray:
    """Remove leading and trailing samples quieter than threshold (linear, default -50 dBFS)."""
    if samples.shape[0] == 0:
        return samples
    level = np.max(np.abs(samples), axis=1) if samples.ndim == 2 else np.abs(samples)
    idx = np.nonzero(level > threshold)[0]
    if idx.size == 0:
        return samples[:0]
    return samples[idx[0] : idx[-1] + 1]


@dataclass(frozen=True)
class FitResult:
    samples: np.ndarray  # (target_frames, channels)
    tempo: float  # tempo factor applied (>1 = faster)
    speech_frames: int  # length of the (tempo-changed) speech placed in the output
    offset_frames: int
    truncated: bool  # speech longer than the fragment even at max tempo: tail cut


def fit_to_length(
    speech: np.ndarray,
    speech_rate: int,
    fmt: PcmFormat,
    target_frames: int,
    *,
    max_tempo: float,
    min_tempo: float,
    preferred_offset_frames: int = 0,
) -> FitResult:
    """Time-fit synthesized speech into exactly target_frames frames of fmt.

    Tempo change without pitch change (SoX `tempo`, a WSOLA algorithm): speech longer than the
    fragment is sped up (at most max_tempo), speech shorter is slowed down a little (at most to
    min_tempo) to sound less rushed; then it is placed at preferred_offset_frames (where the
    original speech started) if it still fits, and padded with silence / trimmed to the exact
    frame count."""
    out = np.zeros((target_frames, fmt.channels), dtype=np.float32)
    speech = trim_silence(speech)
    if speech.shape[0] == 0 or target_frames == 0:
        return FitResult(out, 1.0, 0, 0, False)
    speech_len_s = speech.shape[0] / speech_rate
    target_s = target_frames / fmt.sample_rate
    ratio = speech_len_s / target_s
    tempo = min(ratio, max_tempo) if ratio > 1.0 else max(ratio, min_tempo)
    fitted = convert(speech, speech_rate, fmt.sample_rate, fmt.channels, tempo=tempo)
    # SoX's tempo output length is only approximately len/tempo: cutting a few ms is expected,
    # more than 1 % of the fragment means the speech really did not fit.
    truncated = fitted.shape[0] > target_frames * 1.01
    fitted = fitted[:target_frames]
    n = fitted.shape[0]
    offset = max(0, min(preferred_offset_frames, target_frames - n))
    out[offset : offset + n] = fitted
    return FitResult(out, tempo, n, offset, truncated)
