#!/usr/bin/env python3
"""Helper of scripts/bench (standard library only): samples the stacks and turns the raw files of
the runs into the benchmark report.

    benchlib.py watch-paths API_URL OUT        poll MediaMTX's paths until SIGTERM (readyTime of in/out)
    benchlib.py containers OUT                 CPU, memory and peak RSS of the dubmedia/dubsts containers
    benchlib.py collect-media BASE_URL PREFIX DIR   media-service /health, /metrics and the worker JSON
    benchlib.py fetch URL OUT                  one GET into a file
    benchlib.py meta OUT KEY=VALUE...          the run's metadata plus this machine's (CPU, memory, kernel)
    benchlib.py report WORK_DIR OUT_DIR        table on stdout, OUT_DIR/<stamp>.json and OUT_DIR/latest.json

The report reads WORK_DIR/meta.json and WORK_DIR/run-<i>/ (layout written by scripts/bench):
steps.jsonl, provision_*.log, pipeline/, echo/, sts_bench/."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = "dubctl-bench/1"
PROJECTS = ("dubmedia", "dubsts")
STAGES = ("asr", "translation", "tts")

# ---------------------------------------------------------------------------------------------
# Statistics


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


# ---------------------------------------------------------------------------------------------
# Parsers (pure)

_PROM_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$")
_PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _PROM_LINE.match(line)
        if not m:
            continue
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _PROM_LABEL.findall(m.group(3) or "")}
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        out.append((m.group(1), labels, value))
    return out


def prom_value(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float | None:
    for n, lab, v in samples:
        if n == name and all(lab.get(k) == val for k, val in labels.items()):
            return v
    return None


def histogram_mean(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float | None:
    total = prom_value(samples, name + "_sum", **labels)
    count = prom_value(samples, name + "_count", **labels)
    if total is None or not count:
        return None
    return total / count


def parse_junit(text: str) -> dict[str, dict[str, Any]]:
    """{testcase name: {"time_s", "failed", "failure", "properties": {name: value}}}."""
    root = ET.fromstring(text)
    cases = {}
    for tc in root.iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in tc.iter("property")}
        failure = tc.find("failure")
        cases[tc.get("name", "")] = {
            "time_s": float(tc.get("time", "nan")),
            "failed": failure is not None,
            "failure": failure.get("message", "") if failure is not None else "",
            "properties": props,
        }
    return cases


def prop_float(props: dict[str, str], key: str) -> float | None:
    try:
        return float(props[key])
    except (KeyError, ValueError):
        return None


def parse_sts_log(lines: list[str], stream_id: str) -> list[dict[str, Any]]:
    """The STS service's per-fragment "done" log lines (JSON) for one stream, in sequence order."""
    out = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("stage") != "done" or rec.get("stream_id") != stream_id:
            continue
        timings = rec.get("timings_ms") if isinstance(rec.get("timings_ms"), dict) else {}
        out.append(
            {
                "fragment_id": rec.get("fragment_id"),
                "sequence": rec.get("sequence_number"),
                "processing_ms": rec.get("processing_time_ms"),
                "queue_ms": rec.get("queue_time_ms"),
                **{f"{k}_ms": timings.get(k) for k in STAGES},
            }
        )
    out.sort(key=lambda r: r["sequence"] if isinstance(r["sequence"], int) else -1)
    return out


_PROVISION_LINE = re.compile(r"^(base|mediamtx|media-service|sts): (\S+) (.*) \(([0-9.]+)s\)$")


def parse_provision(text: str) -> list[dict[str, Any]]:
    """What scripts/provision-images did per image: [{name, image, action, seconds}]."""
    out = []
    for line in text.splitlines():
        m = _PROVISION_LINE.match(line.strip())
        if m:
            out.append({"name": m.group(1), "image": m.group(2), "action": m.group(3), "seconds": float(m.group(4))})
    return out


def parse_time(text: str | None) -> float | None:
    """RFC 3339 (MediaMTX's readyTime, nanosecond fractions allowed) -> POSIX seconds."""
    if not text:
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return None
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    base = datetime.fromisoformat(m.group(1) + tz).timestamp()
    return base + (float("0" + m.group(2)) if m.group(2) else 0.0)


# ---------------------------------------------------------------------------------------------
# Sampling (talks to Docker, the kernel and the services)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


def watch_paths(api: str, out: Path, interval: float = 0.2) -> int:
    """First readyTime and last bytesReceived of every MediaMTX path seen, rewritten on every change."""
    seen: dict[str, dict[str, Any]] = {}
    stop = False

    def on_term(_sig: int, _frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    write_json(out, seen)
    while not stop:
        try:
            status, body = http_get(api.rstrip("/") + "/v3/paths/list?itemsPerPage=1000", timeout=2)
            items = json.loads(body).get("items", []) if status == 200 else []
        except (OSError, ValueError):
            items = []
        changed = False
        now = time.time()
        for it in items:
            name = it.get("name", "")
            rec = seen.setdefault(name, {"first_seen": now, "ready_time": None, "ready_seen": None})
            if it.get("ready") and rec["ready_time"] is None:
                rec["ready_time"] = it.get("readyTime")
                rec["ready_seen"] = now
                changed = True
            if rec.get("bytes_received") != it.get("bytesReceived"):
                rec["bytes_received"] = it.get("bytesReceived")
                rec["last_seen"] = now
                changed = True
        if changed:
            write_json(out, seen)
        time.sleep(interval)
    write_json(out, seen)
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _cgroup_dirs(pid: int) -> dict[str, Path]:
    """Controller -> cgroup directory of a process (cgroup v1 per controller, v2 as "unified")."""
    dirs: dict[str, Path] = {}
    text = _read(Path(f"/proc/{pid}/cgroup")) or ""
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        rel = rel.lstrip("/")
        if controllers == "":
            for base in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                if (base / rel / "cgroup.procs").exists() and (base / rel / "cpu.stat").exists():
                    dirs["unified"] = base / rel
                    break
        for c in controllers.split(","):
            if c in ("memory", "cpuacct") and (Path("/sys/fs/cgroup") / controllers / rel).is_dir():
                dirs[c] = Path("/sys/fs/cgroup") / controllers / rel
    return dirs


def _status_kb(pid: int, key: str) -> int | None:
    for line in (_read(Path(f"/proc/{pid}/status")) or "").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def container_stats(pid: int) -> dict[str, Any]:
    """cpu_s, memory high-water mark of the cgroup, and VmHWM/VmRSS of the main process."""
    out: dict[str, Any] = {
        "vmhwm_kb": _status_kb(pid, "VmHWM"),
        "vmrss_kb": _status_kb(pid, "VmRSS"),
        "cpu_s": None,
        "cgroup_mem_max_bytes": None,
        "cgroup": None,
    }
    dirs = _cgroup_dirs(pid)
    if "cpuacct" in dirs:
        usage = _read(dirs["cpuacct"] / "cpuacct.usage")
        out["cpu_s"] = int(usage) / 1e9 if usage else None
        out["cgroup"] = "v1"
    if "memory" in dirs:
        peak = _read(dirs["memory"] / "memory.max_usage_in_bytes")
        out["cgroup_mem_max_bytes"] = int(peak) if peak else None
    if "unified" in dirs and out["cpu_s"] is None:
        out["cgroup"] = "v2"
        for line in (_read(dirs["unified"] / "cpu.stat") or "").splitlines():
            if line.startswith("usage_usec "):
                out["cpu_s"] = int(line.split()[1]) / 1e6
        peak = _read(dirs["unified"] / "memory.peak")
        out["cgroup_mem_max_bytes"] = int(peak) if peak else None
    procs = (dirs.get("memory") or dirs.get("unified") or Path("/nonexistent")) / "cgroup.procs"
    text = _read(procs)
    out["processes"] = len(text.split()) if text else None
    return out


def containers(out: Path) -> int:
    result: dict[str, Any] = {"time": time.time(), "containers": {}}
    for project in PROJECTS:
        ids = subprocess.run(
            ["docker", "ps", "-q", "--no-trunc", "--filter", f"label=com.docker.compose.project={project}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        for cid in ids:
            fmt = '{{.State.Pid}} {{index .Config.Labels "com.docker.compose.service"}}'
            info = subprocess.run(
                ["docker", "inspect", "--format", fmt, cid], capture_output=True, text=True, check=False
            ).stdout.split()
            if len(info) != 2:
                continue
            pid, service = int(info[0]), info[1]
            result["containers"][service] = {"project": project, "id": cid[:12], "pid": pid, **container_stats(pid)}
    write_json(out, result)
    return 0


def collect_media(base: str, prefix: str, out_dir: Path) -> int:
    """/health, /metrics, /v1/streams and the worker JSON of the stream named PREFIX-*."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = base.rstrip("/")
    for name, path in (
        ("media_health.json", "/health"),
        ("media_metrics.txt", "/metrics"),
        ("streams.json", "/v1/streams"),
    ):
        status, body = http_get(base + path)
        if status != 200:
            print(f"benchlib: GET {base}{path} answered {status}", file=sys.stderr)
        (out_dir / name).write_bytes(body)
    try:
        streams = json.loads((out_dir / "streams.json").read_text()).get("streams", [])
    except ValueError:
        streams = []
    names = [s.get("name", "") for s in streams if str(s.get("name", "")).startswith(prefix)]
    if not names:
        print(f"benchlib: no media-service worker named {prefix}-*", file=sys.stderr)
        return 1
    status, body = http_get(f"{base}/v1/streams/{names[-1]}")
    (out_dir / "stream.json").write_bytes(body)
    return 0 if status == 200 else 1


def fetch(url: str, out: Path) -> int:
    status, body = http_get(url)
    out.write_bytes(body)
    if status != 200:
        print(f"benchlib: GET {url} answered {status}", file=sys.stderr)
    return 0 if status == 200 else 1


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "kernel": os.uname().release}
    for line in (_read(Path("/proc/cpuinfo")) or "").splitlines():
        if line.startswith("model name"):
            info["cpu_model"] = line.split(":", 1)[1].strip()
            break
    for line in (_read(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith("MemTotal:"):
            info["mem_total_mb"] = round(int(line.split()[1]) / 1024)
    os_release = _read(Path("/etc/os-release")) or ""
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?$', os_release, re.M)
    info["os"] = m.group(1) if m else None
    return info


def meta(out: Path, pairs: list[str]) -> int:
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            print(f"benchlib: meta: expected KEY=VALUE, got {pair!r}", file=sys.stderr)
            return 2
        data[key] = value
    data["date"] = (data.get("started_at") or "")[:10] or None
    data["machine"] = machine()
    write_json(out, data)
    return 0


# ---------------------------------------------------------------------------------------------
# Report


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _steps(run_dir: Path) -> dict[str, dict[str, Any]]:
    steps = {}
    for line in (_read(run_dir / "steps.jsonl") or "").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        steps[rec["step"]] = rec
    return steps


def _step_seconds(steps: dict[str, dict[str, Any]], name: str) -> float | None:
    s = steps.get(name)
    if not s or s.get("rc") != 0:
        return None
    return round(s["end"] - s["start"], 3)


def _segment_s(d: Path) -> float | None:
    health = _load_json(d / "media_health.json") or {}
    ms = (health.get("config") or {}).get("segment_duration_ms")
    return ms / 1000 if isinstance(ms, (int, float)) else None


def _mb(kb: float | None) -> float | None:
    return round(kb / 1024, 1) if kb is not None else None


def load_run(run_dir: Path) -> dict[str, Any]:
    """Everything one run measured, from its raw files (missing pieces are None)."""
    steps = _steps(run_dir)
    run: dict[str, Any] = {"run": run_dir.name, "steps": steps}
    run["provision_warm_s"] = _step_seconds(steps, "provision_warm")
    run["provision_cold_s"] = _step_seconds(steps, "provision_cold")
    for kind in ("warm", "cold"):
        log = _read(run_dir / f"provision_{kind}.log")
        run[f"provision_{kind}_actions"] = parse_provision(log) if log else None
    run["up_media_s"] = _step_seconds(steps, "up_media")
    run["up_sts_s"] = _step_seconds(steps, "up_sts")

    # Full pipeline (real STS)
    p = run_dir / "pipeline"
    junit = _read(p / "junit.xml")
    cases = parse_junit(junit) if junit else {}
    case = next(iter(cases.values()), None)
    props = case["properties"] if case else {}
    stream = _load_json(p / "stream.json") or {}
    stats = stream.get("output_stats") or {}
    seg = _segment_s(p)
    pipe: dict[str, Any] = {
        "ran": "pipeline" in steps,
        "passed": bool(case) and not case["failed"],
        "failure": case["failure"] if case else ("no JUnit report" if "pipeline" in steps else None),
        "wall_time_s": prop_float(props, "wall_time_s"),
        "output_duration_s": prop_float(props, "duration_s"),
        "max_av_drift_ms": prop_float(props, "max_av_drift_ms"),
        "fingerprint_similarity": prop_float(props, "fingerprint_similarity"),
        "asr_wer": prop_float(props, "asr_wer"),
        "judge_time_s": prop_float(props, "judge_time_s"),
        "judge_wall_time_s": prop_float(props, "judge_wall_time_s"),
        "heard_min_confidence": prop_float(props, "heard_min_confidence"),
        "heard_coverage": prop_float(props, "heard_coverage"),
        "translation_coverage": prop_float(props, "translation_coverage"),
        "sts_fragments": prop_float(props, "sts_fragments"),
        "segment_s": seg,
        "stream": stream.get("name"),
        "output_lag_max_s": stats.get("output_lag_max_s"),
        "worker_av_drift_max_ms": stats.get("av_drift_max_ms"),
    }
    metrics = parse_prometheus(_read(p / "media_metrics.txt") or "")
    if pipe["stream"]:
        pipe["output_lag_mean_s"] = histogram_mean(metrics, "media_output_lag_seconds", stream=pipe["stream"])
    # Per fragment: the STS log (stage timings) joined with the worker's records (duration, round trip).
    by_id = {f.get("fragment_id"): f for f in stream.get("fragments", []) if isinstance(f, dict)}
    frags = []
    for f in parse_sts_log((_read(p / "sts.log") or "").splitlines(), pipe["stream"] or ""):
        w = by_id.get(f["fragment_id"], {})
        dur_ns = w.get("duration_ns")
        f["duration_ms"] = dur_ns / 1e6 if dur_ns else (seg * 1000 if seg else None)
        f["roundtrip_ms"] = w.get("latency_ms")
        # The stream's last fragment is whatever audio is left (often a few ms): its latency and
        # real-time factor say nothing about a segment, so the figures use full-length fragments only.
        f["full"] = bool(f["duration_ms"] and seg and f["duration_ms"] >= 0.5 * seg * 1000)
        frags.append(f)
    pipe["fragments"] = frags
    paths = _load_json(p / "paths.json") or {}
    if pipe["stream"]:
        pin = paths.get(f"live/{pipe['stream']}/in", {})
        pout = paths.get(f"live/{pipe['stream']}/out", {})
        t_in, t_out = parse_time(pin.get("ready_time")), parse_time(pout.get("ready_time"))
        pipe["output_start_delay_s"] = round(t_out - t_in, 3) if t_in and t_out else None
    ctrs = (_load_json(p / "containers.json") or {}).get("containers", {})
    pipe["containers"] = {
        name: {
            "peak_rss_mb": _mb(c.get("vmhwm_kb")),
            "cgroup_mem_max_mb": round(c["cgroup_mem_max_bytes"] / 2**20, 1) if c.get("cgroup_mem_max_bytes") else None,
            "cpu_s": c.get("cpu_s"),
        }
        for name, c in ctrs.items()
    }
    run["pipeline"] = pipe

    # Media service with the echo STS (issue 4's benchmark)
    e = run_dir / "echo"
    junit = _read(e / "junit.xml")
    ecases = parse_junit(junit) if junit else {}
    ecase = next(iter(ecases.values()), None)
    estream = _load_json(e / "stream.json") or {}
    eseg = _segment_s(e)
    lag = (estream.get("output_stats") or {}).get("output_lag_max_s")
    echo: dict[str, Any] = {
        "ran": "echo" in steps,
        "passed": bool(ecase) and not ecase["failed"],
        "failure": ecase["failure"] if ecase else ("no JUnit report" if "echo" in steps else None),
        "segment_s": eseg,
        "output_lag_max_s": lag,
        "added_latency_s": round(lag - eseg, 3) if lag is not None and eseg else None,
    }
    if estream.get("name"):
        emetrics = parse_prometheus(_read(e / "media_metrics.txt") or "")
        echo["output_lag_mean_s"] = histogram_mean(emetrics, "media_output_lag_seconds", stream=estream["name"])
    c0 = ((_load_json(e / "containers_start.json") or {}).get("containers") or {}).get("media-service")
    c1 = ((_load_json(e / "containers_idle.json") or {}).get("containers") or {}).get("media-service")
    c2 = ((_load_json(e / "containers_end.json") or {}).get("containers") or {}).get("media-service")
    t0 = (_load_json(e / "containers_start.json") or {}).get("time")
    t1 = (_load_json(e / "containers_idle.json") or {}).get("time")
    t2 = (_load_json(e / "containers_end.json") or {}).get("time")
    same = bool(c0 and c1 and c2) and c0["id"] == c1["id"] == c2["id"]  # not recreated in between
    times_ok = None not in (t0, t1, t2) and t0 < t1 < t2
    if same and times_ok and None not in (c0["cpu_s"], c1["cpu_s"], c2["cpu_s"]):
        idle_rate = (c1["cpu_s"] - c0["cpu_s"]) / (t1 - t0)
        raw = c2["cpu_s"] - c1["cpu_s"]
        echo["service_cpu_s"] = round(raw, 3)
        echo["idle_cpu_per_s"] = round(idle_rate, 5)
        echo["worker_cpu_s"] = round(raw - idle_rate * (t2 - t1), 3)
        echo["worker_cpu_window_s"] = round(t2 - t1, 1)
    if c1 and c2:
        echo["idle_rss_mb"] = _mb(c1.get("vmrss_kb"))
        echo["peak_rss_mb"] = _mb(c2.get("vmhwm_kb"))
    run["echo"] = echo

    # The STS service's own bench (one fragment at a time, no queueing)
    sb = _load_json(run_dir / "sts_bench" / "sts_bench.json") or {}
    res = next(iter(sb.get("results", [])), None)
    run["sts_bench"] = res
    return run


FIGURES: list[tuple[str, str, str, str | None]] = [
    # key, label, unit, target
    ("provision_cold_s", "image provisioning, cold (images removed)", "s", None),
    ("provision_warm_s", "image provisioning, warm (images present)", "s", None),
    ("up_media_s", "dubctl up media -> healthy", "s", None),
    ("up_sts_s", "dubctl up sts -> healthy (model load + warm-up)", "s", None),
    ("pipeline_wall_s", "full pipeline wall time (30 s fixture)", "s", "< 60 (spec < 180)"),
    ("pipeline_output_duration_s", "output duration (input 30 s)", "s", "30 +- 0.5 (spec)"),
    ("pipeline_max_av_drift_ms", "max A/V drift (recorded output)", "ms", "< 120"),
    ("pipeline_fingerprint_similarity", "fingerprint similarity to the original", "", "<= 0.8"),
    ("pipeline_asr_wer", "ASR word error rate", "", "<= 0.35"),
    ("judge_wall_s", "judge: 30 s output heard (container included)", "s", "<= 6"),
    ("judge_s", "judge: inside its container (import, load, 5 windows)", "s", None),
    ("heard_min_confidence", "judge: min confidence p(es)/(p(es)+p(en))", "", None),
    ("heard_coverage", "judge: expected Spanish words heard", "", None),
    ("sts_processing_ms", "STS per-fragment processing (pipeline)", "ms", None),
    ("sts_processing_p95_ms", "STS per-fragment processing p95 (pipeline)", "ms", "< 15000 (budget)"),
    ("sts_roundtrip_ms", "fragment round trip media->STS->media", "ms", None),
    ("sts_roundtrip_p95_ms", "fragment round trip p95", "ms", None),
    ("rtf_asr", "real-time factor ASR (pipeline)", "x", None),
    ("rtf_translation", "real-time factor MT (pipeline)", "x", None),
    ("rtf_tts", "real-time factor TTS (pipeline)", "x", None),
    ("rtf_total", "real-time factor total (pipeline)", "x", None),
    ("output_lag_max_s", "output lag, max over frames", "s", "<= segment + 2"),
    ("output_lag_mean_s", "output lag, mean over frames", "s", None),
    ("output_start_delay_s", "output start delay (MediaMTX out readyTime - in)", "s", None),
    ("peak_rss_mediamtx_mb", "peak RSS mediamtx", "MB", None),
    ("peak_rss_media_service_mb", "peak RSS media-service", "MB", None),
    ("peak_rss_sts_service_mb", "peak RSS sts-service", "MB", None),
    ("echo_worker_cpu_s", "media-service CPU for one 30 s stream (echo STS)", "s", None),
    ("echo_peak_rss_mb", "media-service peak RSS with one worker (echo STS)", "MB", None),
    ("echo_idle_rss_mb", "media-service RSS idle", "MB", None),
    ("echo_added_latency_s", "added latency beyond the segment (echo STS)", "s", "< 1"),
    ("echo_output_lag_mean_s", "output lag, mean over frames (echo STS)", "s", None),
    ("bench_asr_ms", "STS bench ASR median (isolated)", "ms", None),
    ("bench_asr_p95_ms", "STS bench ASR p95 (isolated)", "ms", None),
    ("bench_translation_ms", "STS bench MT median (isolated)", "ms", None),
    ("bench_tts_ms", "STS bench TTS median (isolated)", "ms", None),
    ("bench_total_ms", "STS bench total median (isolated)", "ms", None),
    ("bench_total_p95_ms", "STS bench total p95 (isolated)", "ms", "<= 3000 (base, 6 s fragments)"),
    ("bench_rtf", "STS bench real-time factor median (isolated)", "x", None),
]

# How each figure is measured (written into the JSON next to it).
SOURCES = {
    "provision_cold_s": "wall time of scripts/provision-images after docker rmi of dubctl/*, "
    "bluenviron/mediamtx:*-ffmpeg and debian:bookworm-slim (host download caches kept)",
    "provision_warm_s": "wall time of scripts/provision-images with every image present",
    "up_media_s": "wall time of `dubctl up media` from stacks down",
    "up_sts_s": "wall time of `dubctl up sts` from stacks down",
    "pipeline_wall_s": "JUnit wall_time_s of `dubctl run scenarios/full_pipeline.yaml` from stacks down (includes up)",
    "pipeline_output_duration_s": "JUnit duration_s: MediaMTX's recording of the output",
    "pipeline_max_av_drift_ms": "JUnit max_av_drift_ms (libav analysis of the recorded output)",
    "pipeline_fingerprint_similarity": "JUnit fingerprint_similarity (chromaprint, output vs input)",
    "pipeline_asr_wer": "JUnit asr_wer (transcripts vs the fixture sidecar)",
    "judge_wall_s": "JUnit judge_wall_time_s of verify heard: decode, WAV, docker run python -m dub_judge, verdict",
    "judge_s": "JUnit judge_time_s: dub_judge's own total_s",
    "sts_processing_ms": "STS log processing_time_ms per full-length fragment, pooled over the passing runs",
    "sts_roundtrip_ms": "media-service worker JSON latency_ms per full-length fragment (send -> fragment:processed), "
    "pooled over the passing runs",
    "rtf_asr": "stage time / fragment duration per full-length fragment (STS log timings_ms), pooled; p95 in p95",
    "output_lag_max_s": "media-service worker JSON output_lag_max_s: wall time from a video frame's arrival at "
    "the input to its render time at the output (media_output_lag_seconds)",
    "output_lag_mean_s": "media_output_lag_seconds histogram sum / count for the stream",
    "output_start_delay_s": "MediaMTX API readyTime of live/<stream>/out minus that of live/<stream>/in",
    "peak_rss_mediamtx_mb": "VmHWM of the container's main process (/proc/<pid>/status) at the end of the "
    "pipeline run; cgroup memory high-water mark (page cache included) in runs_detail",
    "echo_worker_cpu_s": "media-service container cgroup CPU during `dubctl run scenarios/media_echo_sts.yaml`, "
    "minus the idle rate measured for 5 s before it",
    "echo_peak_rss_mb": "VmHWM of the media-service process after the echo run",
    "echo_added_latency_s": "output_lag_max_s minus SEGMENT_DURATION, echo STS",
    "echo_output_lag_mean_s": "media_output_lag_seconds histogram sum / count, echo STS",
    "bench_asr_ms": "python -m sts_service.bench --models tiny.en in the STS image (stacks down)",
}
for _k in ("rtf_translation", "rtf_tts", "rtf_total"):
    SOURCES[_k] = SOURCES["rtf_asr"]
for _k in ("peak_rss_media_service_mb", "peak_rss_sts_service_mb"):
    SOURCES[_k] = SOURCES["peak_rss_mediamtx_mb"]
SOURCES["sts_processing_p95_ms"] = SOURCES["sts_processing_ms"]
SOURCES["sts_roundtrip_p95_ms"] = SOURCES["sts_roundtrip_ms"]
for _k in (
    "bench_asr_p95_ms",
    "bench_translation_ms",
    "bench_tts_ms",
    "bench_total_ms",
    "bench_total_p95_ms",
    "bench_rtf",
):
    SOURCES[_k] = SOURCES["bench_asr_ms"] + " (median over the runs of each run's figure)"


def _pooled(runs: list[dict[str, Any]], fn: Any) -> list[float]:
    out = []
    for r in runs:
        if not r["pipeline"]["passed"]:
            continue
        for f in r["pipeline"]["fragments"]:
            if not f.get("full", True):
                continue
            v = fn(f)
            if v is not None:
                out.append(v)
    return out


def _dist(values: list[float], q: float | None = None, ndigits: int = 3) -> dict[str, Any]:
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


def build_report(meta: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["pipeline"]["passed"]]
    figs: dict[str, dict[str, Any]] = {}

    def per_run(key: str, values: list[float | None]) -> None:
        figs[key] = summarize(values)

    per_run("provision_cold_s", [r["provision_cold_s"] for r in runs])
    per_run("provision_warm_s", [r["provision_warm_s"] for r in runs])
    per_run("up_media_s", [r["up_media_s"] for r in runs])
    per_run("up_sts_s", [r["up_sts_s"] for r in runs])
    # Pipeline figures come from the runs whose scenario passed (a failed run is counted below).
    per_run("pipeline_wall_s", [r["pipeline"]["wall_time_s"] for r in ok])
    per_run("pipeline_output_duration_s", [r["pipeline"]["output_duration_s"] for r in ok])
    per_run("pipeline_max_av_drift_ms", [r["pipeline"]["max_av_drift_ms"] for r in ok])
    per_run("pipeline_fingerprint_similarity", [r["pipeline"]["fingerprint_similarity"] for r in ok])
    per_run("pipeline_asr_wer", [r["pipeline"]["asr_wer"] for r in ok])
    per_run("judge_wall_s", [r["pipeline"].get("judge_wall_time_s") for r in ok])
    per_run("judge_s", [r["pipeline"].get("judge_time_s") for r in ok])
    per_run("heard_min_confidence", [r["pipeline"].get("heard_min_confidence") for r in ok])
    per_run("heard_coverage", [r["pipeline"].get("heard_coverage") for r in ok])
    proc = _pooled(runs, lambda f: f["processing_ms"])
    figs["sts_processing_ms"] = _dist(proc, ndigits=1)
    figs["sts_processing_p95_ms"] = _dist(proc, 0.95, ndigits=1)
    rt = _pooled(runs, lambda f: f["roundtrip_ms"])
    figs["sts_roundtrip_ms"] = _dist(rt, ndigits=1)
    figs["sts_roundtrip_p95_ms"] = _dist(rt, 0.95, ndigits=1)
    for stage in (*STAGES, "total"):
        key = "processing_ms" if stage == "total" else f"{stage}_ms"
        vals = _pooled(
            runs, lambda f, k=key: f[k] / f["duration_ms"] if f[k] is not None and f["duration_ms"] else None
        )
        figs[f"rtf_{stage}"] = _dist(vals, ndigits=4)
        figs[f"rtf_{stage}"]["p95"] = round(percentile(vals, 0.95), 4) if vals else None
    per_run("output_lag_max_s", [r["pipeline"]["output_lag_max_s"] for r in ok])
    per_run("output_lag_mean_s", [r["pipeline"].get("output_lag_mean_s") for r in ok])
    per_run("output_start_delay_s", [r["pipeline"].get("output_start_delay_s") for r in ok])
    for svc in ("mediamtx", "media-service", "sts-service"):
        key = f"peak_rss_{svc.replace('-', '_')}_mb"
        per_run(
            key, [r["pipeline"]["containers"].get(svc, {}).get("peak_rss_mb") for r in runs if r["pipeline"]["ran"]]
        )
    eok = [r for r in runs if r["echo"]["passed"]]
    per_run("echo_worker_cpu_s", [r["echo"].get("worker_cpu_s") for r in eok])
    per_run("echo_peak_rss_mb", [r["echo"].get("peak_rss_mb") for r in eok])
    per_run("echo_idle_rss_mb", [r["echo"].get("idle_rss_mb") for r in eok])
    per_run("echo_added_latency_s", [r["echo"].get("added_latency_s") for r in eok])
    per_run("echo_output_lag_mean_s", [r["echo"].get("output_lag_mean_s") for r in eok])
    sb = [r["sts_bench"] for r in runs if r["sts_bench"]]
    per_run("bench_asr_ms", [b["asr"]["median_ms"] for b in sb])
    per_run("bench_asr_p95_ms", [b["asr"]["p95_ms"] for b in sb])
    per_run("bench_translation_ms", [b["translation"]["median_ms"] for b in sb])
    per_run("bench_tts_ms", [b["tts"]["median_ms"] for b in sb])
    per_run("bench_total_ms", [b["total"]["median_ms"] for b in sb])
    per_run("bench_total_p95_ms", [b["total"]["p95_ms"] for b in sb])
    per_run("bench_rtf", [b["rtf"]["median"] for b in sb])

    segs = [r["pipeline"]["segment_s"] for r in runs if r["pipeline"]["segment_s"]]
    seg = median(segs) if segs else None
    figures: dict[str, dict[str, Any]] = {}
    for key, label, unit, target in FIGURES:
        f = figs[key]
        if key == "output_lag_max_s" and seg:
            target = f"<= {seg + 2:g} (segment {seg:g} + 2)"
        figures[key] = {"label": label, "unit": unit, "target": target, "source": SOURCES.get(key, ""), **f}
    # A "warm" provisioning that had to build something (its inputs changed) is no warm figure.
    rebuilt = sorted(
        {
            a["image"]
            for r in runs
            for a in r.get("provision_warm_actions") or []
            if not a["action"].startswith(("present", "not yet available"))
        }
    )
    figures["provision_warm_s"]["rebuilt"] = rebuilt
    loads = [s.get("loadavg_1m") for r in runs for s in r["steps"].values() if s.get("loadavg_1m") is not None]
    compilers = [s.get("compilers", 0) for r in runs for s in r["steps"].values()]
    busy = max(compilers, default=0) > 0
    return {
        "schema": SCHEMA,
        "date": meta.get("date"),
        "started_at": meta.get("started_at"),
        "finished_at": meta.get("finished_at"),
        "mode": meta.get("mode"),
        "runs": len(runs),
        "segment_s": seg,
        "machine": meta.get("machine", {}),
        "pipeline_passed": len(ok),
        "echo_passed": len([r for r in runs if r["echo"]["passed"]]),
        "background_load": {
            "max_loadavg_1m": max(loads, default=None),
            "max_compilers_running": max(compilers, default=0),
            "per_run": [
                {
                    "run": r["run"],
                    "max_compilers_running": max((s.get("compilers", 0) for s in r["steps"].values()), default=0),
                    "max_loadavg_1m": max(
                        (s["loadavg_1m"] for s in r["steps"].values() if s.get("loadavg_1m") is not None),
                        default=None,
                    ),
                }
                for r in runs
            ],
            "note": (
                "measured with background load: other compile jobs were running on this machine during "
                "some measurements"
                if busy
                else "no compile job was seen running at the start or end of any measurement"
            ),
        },
        "figures": figures,
        "runs_detail": runs,
    }


REQUIRED_TOP = {
    "schema": str,
    "runs": int,
    "mode": str,
    "machine": dict,
    "figures": dict,
    "runs_detail": list,
    "background_load": dict,
}
REQUIRED_FIGURE = ("label", "unit", "target", "source", "median", "min", "max", "n", "values")


def validate_report(rep: dict[str, Any]) -> list[str]:
    """Problems with the report's shape (empty when it is well formed)."""
    problems = []
    for key, typ in REQUIRED_TOP.items():
        if not isinstance(rep.get(key), typ):
            problems.append(f"{key}: expected {typ.__name__}, found {type(rep.get(key)).__name__}")
    if rep.get("schema") != SCHEMA:
        problems.append(f"schema: expected {SCHEMA}")
    figures = rep.get("figures") if isinstance(rep.get("figures"), dict) else {}
    for key, *_ in FIGURES:
        if key not in figures:
            problems.append(f"figures.{key}: missing")
            continue
        f = figures[key]
        for field in REQUIRED_FIGURE:
            if field not in f:
                problems.append(f"figures.{key}.{field}: missing")
        if f.get("n") != len(f.get("values", [])):
            problems.append(f"figures.{key}: n does not match values")
        nums = [f.get(k) for k in ("min", "median", "max")]
        if any(v is not None and not isinstance(v, (int, float)) for v in nums):
            problems.append(f"figures.{key}: min/median/max must be numbers or null")
        elif all(v is not None for v in nums) and not nums[0] <= nums[1] <= nums[2]:
            problems.append(f"figures.{key}: not min <= median <= max")
        if f.get("n") == 0 and any(v is not None for v in nums):
            problems.append(f"figures.{key}: values without samples")
    return problems


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def format_table(rep: dict[str, Any]) -> str:
    head = f"{'figure':<52} {'median':>9} {'min':>9} {'max':>9} {'n':>3}  {'unit':<4} target"
    lines = [head, "-" * len(head)]
    for key, f in rep["figures"].items():
        if f["n"] == 0:
            why = "not measured" + (": run with --cold" if key == "provision_cold_s" and rep["mode"] != "cold" else "")
            lines.append(f"{f['label']:<52} {'(' + why + ')':>33}")
            continue
        median_txt = _fmt(f["median"]) + ("*" if f.get("pooled") else "")
        target = f["target"] or (f"p95 {_fmt(f['p95'])}" if f.get("p95") is not None else "")
        lines.append(
            f"{f['label']:<52} {median_txt:>9} {_fmt(f['min']):>9} {_fmt(f['max']):>9} {f['n']:>3}  "
            f"{f['unit']:<4} {target}"
        )
    lines.append("")
    lines.append(
        f"runs: {rep['runs']} ({rep['mode']}); full pipeline passed {rep['pipeline_passed']}/{rep['runs']}, "
        f"echo scenario passed {rep['echo_passed']}/{rep['runs']}; * = pooled over every fragment of the "
        "passing runs (full-length fragments only; n samples), otherwise one value per run"
    )
    rebuilt = rep["figures"]["provision_warm_s"].get("rebuilt")
    if rebuilt:
        lines.append(f"note: the warm provisioning rebuilt {', '.join(rebuilt)} (its inputs had changed)")
    load = rep["background_load"]
    lines.append(f"background: {load['note']} (max 1-min load average {load['max_loadavg_1m']})")
    per_run = ", ".join(f"{r['run']}: {r['max_compilers_running']} / {r['max_loadavg_1m']}" for r in load["per_run"])
    lines.append(f"compile processes / 1-min load average seen per run: {per_run}")
    return "\n".join(lines)


def report(work: Path, out_dir: Path) -> int:
    meta = _load_json(work / "meta.json") or {}
    run_dirs = sorted((d for d in work.glob("run-*") if d.is_dir()), key=lambda d: int(d.name.split("-")[1]))
    if not run_dirs:
        print(f"benchlib: no runs under {work}", file=sys.stderr)
        return 1
    runs = [load_run(d) for d in run_dirs]
    rep = build_report(meta, runs)
    rep["raw"] = str(work)
    problems = validate_report(rep)
    if problems:
        print("benchlib: the report is malformed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = meta.get("stamp") or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    write_json(out_dir / f"{stamp}.json", rep)
    write_json(out_dir / "latest.json", rep)
    print(format_table(rep))
    print(f"\nJSON: {out_dir / (stamp + '.json')} (and {out_dir / 'latest.json'}); raw files: {work}")
    return 0


def main(argv: list[str]) -> int:
    usage = __doc__ or ""
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(usage)
        return 0 if len(argv) >= 2 else 2
    cmd, args = argv[1], argv[2:]
    expected = {"watch-paths": 2, "containers": 1, "collect-media": 3, "fetch": 2, "report": 2}
    if cmd == "meta" and args:
        return meta(Path(args[0]), args[1:])
    if cmd not in expected or len(args) != expected[cmd]:
        print(f"benchlib: bad usage: {' '.join(argv[1:])}\n{usage}", file=sys.stderr)
        return 2
    if cmd == "watch-paths":
        return watch_paths(args[0], Path(args[1]))
    if cmd == "containers":
        return containers(Path(args[0]))
    if cmd == "collect-media":
        return collect_media(args[0], args[1], Path(args[2]))
    if cmd == "fetch":
        return fetch(args[0], Path(args[1]))
    return report(Path(args[0]), Path(args[1]))


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main(sys.argv))
