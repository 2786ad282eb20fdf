"""Statistics of the bench figures: median, percentile and the per-run/pooled summaries."""

from __future__ import annotations

import math
from typing import Any


def median(values: list[float]) -> float | None:
    s = sorted(values)
    if not s:
        return None
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 1]."""
    if not 0 <= q <= 1:
        raise ValueError(f"percentile: q must be in [0, 1], got {q}")
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarize(values: list[float | None]) -> dict[str, Any]:
    """median/min/max/n over the values that were measured (None = not measured)."""
    v = [float(x) for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return {
        "median": median(v),
        "min": min(v) if v else None,
        "max": max(v) if v else None,
        "n": len(v),
        "values": v,
    }


def pooled(values: list[float], q: float | None = None, ndigits: int = 3) -> dict[str, Any]:
    """A pooled distribution as a figure: median (or the q-quantile) with min/max of the samples."""
    centre = percentile(values, q) if q is not None else median(values)
    return {
        "median": round(centre, ndigits) if centre is not None else None,
        "min": round(min(values), ndigits) if values else None,
        "max": round(max(values), ndigits) if values else None,
        "n": len(values),
        "values": [round(v, ndigits) for v in values],
        "pooled": True,
    }
