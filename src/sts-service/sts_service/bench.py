"""Benchmark: per-stage latency (p50, p95, max), real-time factor and peak RSS for 6 s fragments.

    python -m sts_service.bench                       # every installed model (the image: base, tiny.en)
    python -m sts_service.bench --models tiny.en,base --rounds 3 --json out.json

Each model runs in its own child process (so peak RSS is per model): load + one warm-up fragment,
then every 6 s fragment of the fixture (fixtures/test_streams/30s-english-speech.mp4, 5 fragments)
`--rounds` times through the real pipeline (ASR -> MT -> TTS), one fragment at a time. Ends with one
table comparing the models. Target: p95 total <= 3 s per fragment (on a 2-core machine)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FRAGMENT_S = 6
TARGET_P95_MS = 3000
STAGES = ("asr", "translation", "tts", "total")


def _find_fixture() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    for p in (
        os.environ.get("STS_FIXTURE"),
        here.parent.parent / "fixtures/test_streams/30s-english-speech.mp4",
        here / "fixtures/30s-english-speech.mp4",
        here / ".build/fixtures/30s-english-speech.mp4",
    ):
        if p and Path(p).is_file():
            return Path(p)
    return None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _child(model: str, rounds: int, fixture: str | None) -> dict[str, Any]:
    """Runs in the child process."""
    from .audio import PcmFormat, convert, encode_pcm, parse_wav
    from .config import Config
    from .engine import Engine

    fmt = PcmFormat(48000, 1, "s16le")
    if fixture:
        from faster_whisper import decode_audio

        audio = decode_audio(fixture, sampling_rate=fmt.sample_rate)[:, None]
        source = Path(fixture).name
    else:
        words = ", ".join(["one", "two", "three", "four", "five", "six"] * 5)
        wav = subprocess.run(
            ["espeak-ng", "-v", "en", "-s", "60", "--stdout", words], capture_output=True, check=True
        ).stdout
        s, r = parse_wav(wav)
        audio = convert(s, r, fmt.sample_rate, 1)
        source = "espeak-ng counting (fixture not found)"
    pcm = encode_pcm(audio, fmt)
    step = FRAGMENT_S * fmt.sample_rate * fmt.bytes_per_frame
    frags = [pcm[i : i + step] for i in range(0, len(pcm) - step + 1, step)]
    cfg = Config.from_env({**os.environ, "ASR_MODEL": model})
    eng = Engine(cfg)
    t0 = time.perf_counter()
    eng.load()  # includes one warm-up fragment
    load_s = time.perf_counter() - t0
    samples: list[dict[str, float]] = []
    transcripts: list[str] = []
    for _ in range(rounds):
        for i, frag in enumerate(frags):
            out = asyncio.run(eng.run_fragment(frag, fmt, "bench", f"b{i}", i, "en", "es", timeout_s=600))
            r = out.result
            if r.status != "success":
                raise RuntimeError(f"fragment {i}: {r.status}: {r.error}")
            samples.append(
                {
                    **{k: r.timings_ms.get(k, 0.0) for k in ("asr", "translation", "tts")},
                    "total": out.processing_time_ms,
                }
            )
            if len(transcripts) < len(frags):
                transcripts.append(f"{r.transcript!r} -> {r.translated_text!r}")
    eng.shutdown()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "model": model,
        "source": source,
        "fragments": len(samples),
        "load_s": load_s,
        "samples": samples,
        "peak_rss_mb": rss_kb / 1024,
        "transcripts": transcripts,
        "asr": eng.models.get("asr", {}),
    }


def _summarise(res: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": res["model"],
        "fragments": res["fragments"],
        "load_s": round(res["load_s"], 2),
        "peak_rss_mb": round(res["peak_rss_mb"], 1),
        "source": res["source"],
    }
    for key in STAGES:
        vals = [s[key] for s in res["samples"]]
        p50 = round(statistics.median(vals), 1)
        out[key] = {
            "p50_ms": p50,
            "median_ms": p50,
            "p95_ms": round(_pct(vals, 0.95), 1),
            "max_ms": round(max(vals), 1),
        }
    tot = [s["total"] / (FRAGMENT_S * 1000) for s in res["samples"]]
    out["rtf"] = {"median": round(statistics.median(tot), 3), "p95": round(_pct(tot, 0.95), 3)}
    out["transcripts"] = res["transcripts"]
    return out


def _run_model(model: str, model_dir: Path, rounds: int) -> dict | None:
    """One model in a child process (its own peak RSS); None when it is missing or failed."""
    if not (model_dir / model / "model.bin").is_file():
        print(f"\n## {model}: NOT INSTALLED in {model_dir} (no weights; see models.lock.json)")
        return None
    env = dict(os.environ, LOG_LEVEL="WARNING")
    proc = subprocess.run(
        [sys.executable, "-m", "sts_service.bench", "--child", model, "--rounds", str(rounds)],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        print(f"\n## {model}: FAILED\n{proc.stderr[-2000:]}")
        return None
    return _summarise(json.loads(proc.stdout.strip().splitlines()[-1]))


def _print_model(res: dict) -> None:
    print(
        f"\n## {res['model']}: {res['fragments']} fragments, load+warm-up {res['load_s']} s, "
        f"peak RSS {res['peak_rss_mb']} MB"
    )
    print(f"{'stage':<12}{'p50 ms':>12}{'p95 ms':>12}{'max ms':>12}")
    for key in STAGES:
        s = res[key]
        print(f"{key:<12}{s['p50_ms']:>12}{s['p95_ms']:>12}{s['max_ms']:>12}")
    print(f"{'RTF':<12}{res['rtf']['median']:>12}{res['rtf']['p95']:>12}")
    p95 = res["total"]["p95_ms"]
    target = f"p95 total <= {TARGET_P95_MS / 1000:g} s: {'met' if p95 <= TARGET_P95_MS else 'MISSED'}"
    print(f"target {target}; spec limit 15 s: {'met' if p95 < 15000 else 'MISSED'}")
    for t in res["transcripts"]:
        print(f"  {t}")


def _print_summary(results: list[dict]) -> None:
    print(f"\n## summary: {FRAGMENT_S} s fragments, ms p50/p95; RTF p50/p95 = total / {FRAGMENT_S} s")
    head = ["model", *STAGES, "RTF", "peak RSS MB", "load s"]
    rows = [
        [
            r["model"],
            *(f"{r[k]['p50_ms']:.0f}/{r[k]['p95_ms']:.0f}" for k in STAGES),
            f"{r['rtf']['median']:.3f}/{r['rtf']['p95']:.3f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['load_s']:.1f}",
        ]
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for row in (head, *rows):
        cells = [str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", help="comma-separated Whisper models (default: every installed one)")
    ap.add_argument("--rounds", type=int, default=4, help="passes over the 5 fragments (default 4 = 20 samples)")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    fixture = _find_fixture()
    if args.child:
        print(json.dumps(_child(args.child, args.rounds, str(fixture) if fixture else None)))
        return 0

    from .asr import installed_models
    from .config import Config

    model_dir = Path(os.environ.get("ASR_MODEL_DIR", Config().asr_model_dir))
    models = [m.strip() for m in (args.models or "").split(",") if m.strip()]
    if not models:
        # smallest first: tiny.en, then base, then anything mounted
        models = sorted(installed_models(str(model_dir)), key=lambda m: (m != "tiny.en", m != "base", m))
    print(
        f"# STS benchmark: {FRAGMENT_S} s fragments, {os.cpu_count()} CPU(s) ({_cpu_name()}), "
        f"python {platform.python_version()}, models from {model_dir}"
    )
    print(
        f"# audio: {fixture or 'espeak-ng counting (fixture not found)'}; one fragment at a time; "
        "times are processing times (no queueing); RTF = total / 6 s"
    )
    results, missing = [], []
    for model in models:
        res = _run_model(model, model_dir, args.rounds)
        if res is None:
            missing.append(model)
            continue
        results.append(res)
        _print_model(res)
    if results:
        _print_summary(results)
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "not_installed": missing}, indent=2) + "\n")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
