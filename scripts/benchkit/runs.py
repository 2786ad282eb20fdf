"""One run's measurements, read back from the raw files scripts/bench wrote into run-<i>/ (steps.jsonl,
provision_*.log, main/, pipeline/, echo/, soak/, streams/, suite/, ci/, sts_bench/); missing pieces are None."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import streams, suite
from .files import json_lines, load_json, read_text
from .parsers import (
    histogram_mean,
    parse_junit,
    parse_prometheus,
    parse_provision,
    parse_sts_log,
    parse_time,
    prop_float,
)

# The JUnit properties of the full pipeline scenario, by the name the run records them under.
PIPELINE_PROPS = {
    "wall_time_s": "wall_time_s",
    "output_duration_s": "duration_s",
    "max_av_drift_ms": "max_av_drift_ms",
    "fingerprint_similarity": "fingerprint_similarity",
    "asr_wer": "asr_wer",
    "judge_time_s": "judge_time_s",
    "judge_wall_time_s": "judge_wall_time_s",
    "media_verify_time_s": "media_verify_time_s",
    "heard_min_confidence": "heard_min_confidence",
    "heard_coverage": "heard_coverage",
    "translation_coverage": "translation_coverage",
    "sts_fragments": "sts_fragments",
}

# The JUnit properties of the soak scenario (scenarios/long/soak_10min.yaml): its rss steps record
# each service's figures at start, middle and end, the last (the end) is the one read.
SOAK_PROPS = {
    "wall_time_s": "wall_time_s",
    "output_duration_s": "duration_s",
    "max_av_drift_ms": "max_av_drift_ms",
    "drift_trend_ms_per_min": "av_drift_trend_ms_per_min",
    "rss_growth_media_service_mb": "rss_growth_media_service_mb",
    "rss_growth_sts_service_mb": "rss_growth_sts_service_mb",
    "sts_fragments": "sts_fragments",
}


def _steps(run_dir: Path) -> dict[str, dict[str, Any]]:
    return {rec["step"]: rec for rec in json_lines(run_dir / "steps.jsonl") if "step" in rec}


def _step_seconds(steps: dict[str, dict[str, Any]], name: str) -> float | None:
    s = steps.get(name)
    if not s or s.get("rc") != 0:
        return None
    return round(s["end"] - s["start"], 3)


def _segment_s(d: Path) -> float | None:
    health = load_json(d / "media_health.json") or {}
    ms = (health.get("config") or {}).get("segment_duration_ms")
    return ms / 1000 if isinstance(ms, (int, float)) else None


def _mb(kb: float | None) -> float | None:
    return round(kb / 1024, 1) if kb is not None else None


def _scenario_case(d: Path) -> dict[str, Any] | None:
    """The (only) test case of the scenario's JUnit report."""
    junit = read_text(d / "junit.xml")
    cases = parse_junit(junit) if junit else {}
    return next(iter(cases.values()), None)


def _outcome(case: dict[str, Any] | None, ran: bool) -> dict[str, Any]:
    return {
        "ran": ran,
        "passed": bool(case) and not case["failed"],
        "failure": case["failure"] if case else ("no JUnit report" if ran else None),
    }


def _fragments(p: Path, stream: dict[str, Any], stream_name: str, seg: float | None) -> list[dict[str, Any]]:
    """Per fragment: the STS log (stage timings) joined with the worker's records (duration, round trip)."""
    by_id = {f.get("fragment_id"): f for f in stream.get("fragments", []) if isinstance(f, dict)}
    frags = []
    for f in parse_sts_log((read_text(p / "sts.log") or "").splitlines(), stream_name):
        w = by_id.get(f["fragment_id"], {})
        dur_ns = w.get("duration_ns")
        f["duration_ms"] = dur_ns / 1e6 if dur_ns else (seg * 1000 if seg else None)
        f["roundtrip_ms"] = w.get("latency_ms")
        # The stream's last fragment is whatever audio is left (often a few ms): its latency and
        # real-time factor say nothing about a segment, so the figures use full-length fragments only.
        f["full"] = bool(f["duration_ms"] and seg and f["duration_ms"] >= 0.5 * seg * 1000)
        frags.append(f)
    return frags


def _output_start_delay(p: Path, stream_name: str) -> float | None:
    paths = load_json(p / "paths.json") or {}
    pin = paths.get(f"live/{stream_name}/in", {})
    pout = paths.get(f"live/{stream_name}/out", {})
    t_in, t_out = parse_time(pin.get("ready_time")), parse_time(pout.get("ready_time"))
    return round(t_out - t_in, 3) if t_in and t_out else None


def _container_figures(p: Path) -> dict[str, dict[str, Any]]:
    ctrs = (load_json(p / "containers.json") or {}).get("containers", {})
    return {
        name: {
            "peak_rss_mb": _mb(c.get("vmhwm_kb")),
            "cgroup_mem_max_mb": round(c["cgroup_mem_max_bytes"] / 2**20, 1) if c.get("cgroup_mem_max_bytes") else None,
            "cpu_s": c.get("cpu_s"),
        }
        for name, c in ctrs.items()
    }


def load_pipeline(p: Path, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The full pipeline run (real STS): JUnit properties, worker JSON, metrics, STS log, paths."""
    case = _scenario_case(p)
    props = case["properties"] if case else {}
    stream = load_json(p / "stream.json") or {}
    stats = stream.get("output_stats") or {}
    seg = _segment_s(p)
    pipe = _outcome(case, "pipeline" in steps)
    pipe.update({key: prop_float(props, prop) for key, prop in PIPELINE_PROPS.items()})
    pipe.update(
        {
            "segment_s": seg,
            "stream": stream.get("name"),
            "output_lag_max_s": stats.get("output_lag_max_s"),
            "worker_av_drift_max_ms": stats.get("av_drift_max_ms"),
        }
    )
    metrics = parse_prometheus(read_text(p / "media_metrics.txt") or "")
    if pipe["stream"]:
        pipe["output_lag_mean_s"] = histogram_mean(metrics, "media_output_lag_seconds", stream=pipe["stream"])
    pipe["fragments"] = _fragments(p, stream, pipe["stream"] or "", seg)
    if pipe["stream"]:
        pipe["output_start_delay_s"] = _output_start_delay(p, pipe["stream"])
    pipe["containers"] = _container_figures(p)
    return pipe


def _echo_cpu(e: Path) -> dict[str, Any]:
    """Worker CPU: the media-service's CPU during the stream minus its idle rate, and its RSS, from the
    container samples before (start, idle) and after the stream (end)."""
    samples = [load_json(e / f"containers_{when}.json") or {} for when in ("start", "idle", "end")]
    c0, c1, c2 = ((s.get("containers") or {}).get("media-service") for s in samples)
    t0, t1, t2 = (s.get("time") for s in samples)
    out: dict[str, Any] = {}
    same = bool(c0 and c1 and c2) and c0["id"] == c1["id"] == c2["id"]  # not recreated in between
    times_ok = None not in (t0, t1, t2) and t0 < t1 < t2
    if same and times_ok and None not in (c0["cpu_s"], c1["cpu_s"], c2["cpu_s"]):
        idle_rate = (c1["cpu_s"] - c0["cpu_s"]) / (t1 - t0)
        raw = c2["cpu_s"] - c1["cpu_s"]
        out["service_cpu_s"] = round(raw, 3)
        out["idle_cpu_per_s"] = round(idle_rate, 5)
        out["worker_cpu_s"] = round(raw - idle_rate * (t2 - t1), 3)
        out["worker_cpu_window_s"] = round(t2 - t1, 1)
    if c1 and c2:
        out["idle_rss_mb"] = _mb(c1.get("vmrss_kb"))
        out["peak_rss_mb"] = _mb(c2.get("vmhwm_kb"))
    return out


def load_echo(e: Path, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The media service with the echo STS (issue 4's benchmark)."""
    estream = load_json(e / "stream.json") or {}
    eseg = _segment_s(e)
    lag = (estream.get("output_stats") or {}).get("output_lag_max_s")
    echo = _outcome(_scenario_case(e), "echo" in steps)
    echo.update(
        {
            "segment_s": eseg,
            "output_lag_max_s": lag,
            "added_latency_s": round(lag - eseg, 3) if lag is not None and eseg else None,
        }
    )
    if estream.get("name"):
        emetrics = parse_prometheus(read_text(e / "media_metrics.txt") or "")
        echo["output_lag_mean_s"] = histogram_mean(emetrics, "media_output_lag_seconds", stream=estream["name"])
    echo.update(_echo_cpu(e))
    return echo


def load_soak(s: Path, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The long stream through the real STS (issue 14's soak): its JUnit properties."""
    case = _scenario_case(s)
    props = case["properties"] if case else {}
    soak = _outcome(case, "soak" in steps)
    soak.update({key: prop_float(props, prop) for key, prop in SOAK_PROPS.items()})
    return soak


def load_run(run_dir: Path) -> dict[str, Any]:
    """Everything one run measured, from its raw files (missing pieces are None)."""
    steps = _steps(run_dir)
    run: dict[str, Any] = {"run": run_dir.name, "steps": steps}
    run["provision_warm_s"] = _step_seconds(steps, "provision_warm")
    run["provision_cold_s"] = _step_seconds(steps, "provision_cold")
    for kind in ("warm", "cold"):
        log = read_text(run_dir / f"provision_{kind}.log")
        run[f"provision_{kind}_actions"] = parse_provision(log) if log else None
    run["up_media_s"] = _step_seconds(steps, "up_media")
    run["up_sts_s"] = _step_seconds(steps, "up_sts")
    run["up_all_s"] = _step_seconds(steps, "up_all")
    run["main_job_s"] = _step_seconds(steps, "main_job")
    # The main job's scenario without its stack start and stop: what no faster start can remove.
    main_rep = suite.run_figures(load_json(run_dir / "main" / "artifacts" / "report.json"))
    run["main_job_floor_s"] = main_rep.get("without_stacks_s") if run["main_job_s"] is not None else None
    run["pipeline"] = load_pipeline(run_dir / "pipeline", steps)
    run["echo"] = load_echo(run_dir / "echo", steps)
    run["soak"] = load_soak(run_dir / "soak", steps)
    run["streams"] = streams.load(run_dir / "streams")
    run["suite"] = suite.load_suite(run_dir / "suite") if "suite" in steps else {"ran": False}
    run["ci"] = suite.load_ci(run_dir / "ci") if "ci" in steps else {"ran": False}
    # The STS service's own bench (one fragment at a time, no queueing)
    sb = load_json(run_dir / "sts_bench" / "sts_bench.json") or {}
    run["sts_bench"] = next(iter(sb.get("results", [])), None)
    return run
