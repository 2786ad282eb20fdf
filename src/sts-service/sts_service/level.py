"""Level matching and peak limiting for the dubbed speech (the last step of the TTS stage).

espeak-ng speaks at its own level, with peaks at full scale that the tempo change can push past it:
before this step the dubbed fragments were clipped and louder than the speech they replaced. Now the
synthesized speech is scaled to the level of the input fragment's speech, then a look-ahead peak
limiter keeps every sample under a ceiling that leaves room for the AAC encoder's overshoot, so the
dubbed output sounds as loud as the original and never clips.

The level is a gated mean square over 100 ms blocks (the gating of ITU-R BS.1770, without its
K-weighting filter: both signals are speech, and the output is measured with the real EBU R128 meter
by dubctl's `verify media` loudness check)."""

from __future__ import annotations

from typing import Optional

import numpy as np

BLOCK_S = 0.1
ABSOLUTE_GATE_DB = -60.0  # blocks quieter than this are silence
RELATIVE_GATE_DB = -20.0  # ... and so are blocks this far under the level of the louder ones
CEILING_DBFS = -2.0  # the limiter's ceiling: AAC adds up to ~0.5 dB, the output stays under -1 dBTP
MAX_GAIN_DB = 30.0  # never more than this up or down (a whisper is not turned into a shout)
LIMITER_BLOCK_S = 0.005
LIMITER_HOLD_BLOCKS = 2  # a gain reduction starts this many blocks early and ends this many late


def _mono_power(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.float64)
    if x.ndim == 2:
        return (x**2).mean(axis=1)
    return x**2


def speech_level_db(samples: np.ndarray, sample_rate: int) -> Optional[float]:
    """The gated level (dB relative to full scale, mean square) of float (frames, channels) samples;
    None when nothing passes the gates (silence)."""
    power = _mono_power(samples)
    n = max(1, int(sample_rate * BLOCK_S))
    blocks = power.shape[0] // n
    if blocks == 0:
        return None
    block_db = 10 * np.log10(power[: blocks * n].reshape(blocks, n).mean(axis=1) + 1e-20)
    loud = block_db[block_db > ABSOLUTE_GATE_DB]
    if loud.size == 0:
        return None
    gate = 10 * np.log10(np.mean(10 ** (loud / 10))) + RELATIVE_GATE_DB
    kept = loud[loud > gate]
    return float(10 * np.log10(np.mean(10 ** (kept / 10))))


def limit_peaks(samples: np.ndarray, sample_rate: int, ceiling_dbfs: float = CEILING_DBFS) -> np.ndarray:
    """Float (frames, channels) samples with no sample above the ceiling. The gain is worked out per
    5 ms block (what its loudest sample needs), held over the neighbouring blocks and interpolated
    between block centres: smooth, and at every sample no higher than what its own block needs."""
    x = samples if samples.ndim == 2 else samples[:, None]
    frames = x.shape[0]
    if frames == 0:
        return samples.copy()
    ceiling = 10 ** (ceiling_dbfs / 20)
    peak = np.abs(x).max(axis=1)
    n = max(1, int(sample_rate * LIMITER_BLOCK_S))
    blocks = -(-frames // n)
    padded = np.zeros(blocks * n)
    padded[:frames] = peak
    need = np.minimum(1.0, ceiling / np.maximum(padded.reshape(blocks, n).max(axis=1), 1e-12))
    held = need.copy()
    for k in range(1, LIMITER_HOLD_BLOCKS + 1):
        held[k:] = np.minimum(held[k:], need[:-k])
        held[:-k] = np.minimum(held[:-k], need[k:])
    centres = (np.arange(blocks) + 0.5) * n
    gain = np.interp(np.arange(frames), centres, held)
    out = (x * gain[:, None]).astype(np.float32)
    return out if samples.ndim == 2 else out[:, 0]


def match_level(speech: np.ndarray, reference: Optional[np.ndarray], sample_rate: int) -> tuple[np.ndarray, dict]:
    """`speech` scaled to the speech level of `reference` (when both have speech), then peak-limited.
    Returns the samples and what was done (for the fragment's log)."""
    info: dict = {}
    target = speech_level_db(reference, sample_rate) if reference is not None else None
    level = speech_level_db(speech, sample_rate)
    out = speech.astype(np.float32)
    if target is not None and level is not None:
        gain_db = float(np.clip(target - level, -MAX_GAIN_DB, MAX_GAIN_DB))
        out = out * np.float32(10 ** (gain_db / 20))
        info.update({"input_level_db": round(target, 1), "gain_db": round(gain_db, 1)})
    before = float(np.abs(out).max()) if out.size else 0.0
    out = limit_peaks(out, sample_rate)
    after = float(np.abs(out).max()) if out.size else 0.0
    if before > 0 and after < before:
        info["limited_db"] = round(float(20 * np.log10(before / after)), 1)
    return out, info
