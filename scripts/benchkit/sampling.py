"""Sampling while the bench runs (talks to Docker, the kernel and the services): MediaMTX's paths,
the containers' CPU and memory, the media-service's health, metrics and worker JSON, this machine."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .files import read_text, write_json

PROJECTS = ("dubmedia", "dubsts")


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


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


def _cgroup_dirs(pid: int) -> dict[str, Path]:
    """Controller -> cgroup directory of a process (cgroup v1 per controller, v2 as "unified")."""
    dirs: dict[str, Path] = {}
    text = read_text(Path(f"/proc/{pid}/cgroup")) or ""
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
    for line in (read_text(Path(f"/proc/{pid}/status")) or "").splitlines():
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
        usage = read_text(dirs["cpuacct"] / "cpuacct.usage")
        out["cpu_s"] = int(usage) / 1e9 if usage else None
        out["cgroup"] = "v1"
    if "memory" in dirs:
        peak = read_text(dirs["memory"] / "memory.max_usage_in_bytes")
        out["cgroup_mem_max_bytes"] = int(peak) if peak else None
    if "unified" in dirs and out["cpu_s"] is None:
        out["cgroup"] = "v2"
        for line in (read_text(dirs["unified"] / "cpu.stat") or "").splitlines():
            if line.startswith("usage_usec "):
                out["cpu_s"] = int(line.split()[1]) / 1e6
        peak = read_text(dirs["unified"] / "memory.peak")
        out["cgroup_mem_max_bytes"] = int(peak) if peak else None
    procs = (dirs.get("memory") or dirs.get("unified") or Path("/nonexistent")) / "cgroup.procs"
    text = read_text(procs)
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
    for line in (read_text(Path("/proc/cpuinfo")) or "").splitlines():
        if line.startswith("model name"):
            info["cpu_model"] = line.split(":", 1)[1].strip()
            break
    for line in (read_text(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith("MemTotal:"):
            info["mem_total_mb"] = round(int(line.split()[1]) / 1024)
    os_release = read_text(Path("/etc/os-release")) or ""
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
