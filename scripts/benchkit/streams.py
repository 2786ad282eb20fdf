"""Many live streams at once (issue 16 item 5): the scenario that runs K simultaneous streams through
one media service and one STS (or several) with a given Whisper model, and what a run of it measured.

A stream is real time when its worker completed with every fragment dubbed (no passthrough), each
fragment back from the STS within the 15 s budget (US1-3) and pushed out within 1 s of it (US1-5),
and the output never more than MAX_OUTPUT_LAG_S behind the input. The scenario asserts all of that
for every stream; `scripts/bench --only streams` runs it for K = 1, 2, ... until it fails, per variant
(VARIANTS: the model, and how many STS), and the largest K that passed is the figure.
scenarios/load/streams_2.yaml is this scenario for K=2 (a test keeps it equal to what scenario() writes)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .files import read_text

# The stream each publisher plays: the counting fixture twice (scripts/make-long-stream 60), so a
# backlog that builds up over the stream shows in its second half.
FIXTURE = "out/generated/60s-english-speech.mp4"
FIXTURE_SECONDS = 60
# The output's lag behind the input, at most: a 6 s segment, its round trip and the output's pacing
# (7.2 s median with one stream, scripts/bench) with room for K streams sharing 2 cores; a backlog
# growing by a fragment's worth passes it.
MAX_OUTPUT_LAG_S = 12
MODELS = ("tiny.en", "base")
# The STS the compose stack runs (its STS_PORT default); scripts/bench starts any other one itself.
FIRST_STS_PORT = 3000
# What the bench measures: name -> (Whisper model, host ports of the STS beside the first). With more
# than one STS the media service is given all of them (STS_SERVICE_URL with commas: each stream's
# connection goes to the next STS in turn); scripts/bench starts each extra STS as its own compose
# project (DUBCTL_RUN_ID=sts<port>, STS_PORT=<port>) before the K runs and removes it after. Every
# STS then gets CORES // number of STS CTranslate2 threads (ASR_CPU_THREADS): with one thread per core
# each, two STS on 2 cores fail at K = 2 (their threads fight for the cores).
VARIANTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "tiny.en": ("tiny.en", ()),
    "base": ("base", ()),
    "base-2sts": ("base", (3001,)),
}
CORES = os.cpu_count() or 1


def asr_threads(extra_sts: tuple[int, ...]) -> int:
    """ASR_CPU_THREADS of each STS when 1 + len(extra_sts) share this machine (0: the service's default)."""
    return max(1, CORES // (1 + len(extra_sts))) if extra_sts else 0


def stream_names(k: int) -> list[str]:
    """The K streams' names, from the run's own ${stream} (unique per run)."""
    return [f"${{stream}}-{i}" for i in range(1, k + 1)]


def scenario(k: int, model: str, extra_sts: tuple[int, ...] = ()) -> str:
    """The YAML of the K-stream scenario for `model` (ASR_MODEL of the STS stack); `extra_sts`: the
    host ports of STS beside the stack's own, already running, that the media service uses too."""
    if k < 1:
        raise ValueError(f"K must be at least 1, got {k}")
    fragments = FIXTURE_SECONDS // 6
    call = f"{k}, {model!r}" + (f", extra_sts={extra_sts!r}" if extra_sts else "")
    name = f"streams-{k}-{model.replace('.', '-')}" + (f"-{1 + len(extra_sts)}sts" if extra_sts else "")
    sts = f"{1 + len(extra_sts)} STS, each stream's connection to the next in turn" if extra_sts else "one STS"
    urls = ",".join(f"http://host.docker.internal:{p}" for p in (FIRST_STS_PORT, *extra_sts))
    lines = [
        f"# Made by scripts/benchkit/streams.py (scenario({call})); scripts/bench --only streams makes one",
        "# per K and model. Edit the generator, not this file. Its stream: scripts/make-long-stream 60.",
        f"name: {name}",
        f"description: {k} simultaneous live streams of the {FIXTURE_SECONDS} s counting stream through one media "
        f"service and {sts} (Whisper {model}) - each in real time - its worker completed with all {fragments} "
        "fragments dubbed, each back from the STS within 15 s (US1-3) and pushed out within 1 s (US1-5), the "
        f"output at most {MAX_OUTPUT_LAG_S} s behind the input",
        "tags: [load, real-sts]",
        "timeout: 6m",
        "stacks:",
        f"  sts: {{env: {{ASR_MODEL: {model}, ASR_CPU_THREADS: {asr_threads(extra_sts)}}}}}"
        if extra_sts
        else f"  sts: {{env: {{ASR_MODEL: {model}}}}}",
        f'  media: {{env: {{STS_SERVICE_URL: "{urls}"}}}}' if extra_sts else "  media: {}",
        "steps:",
        "  - up: {stacks: [sts, media], timeout: 3m}",
        "  # One publisher per stream, each started once its worker reads (the streams start a second or",
        "  # two apart, as the hooks start the workers).",
    ]
    for name in stream_names(k):
        lines.append(f'  - publish: {{fixture: {FIXTURE}, to: "${{mediamtx.rtsp}}/live/{name}/in", wait_reader: 10s}}')
    lines.append(f"  - wait: {{publish: done, timeout: {FIXTURE_SECONDS + 30}s}}")
    for name in stream_names(k):
        lines += [
            "  - verify:",
            "      worker:",
            f'        stream: "{name}"',
            "        state: completed",
            "        phases: [dubbed]",
            f"        min_fragments: {fragments}",
            "        max_round_trip: 15s",
            "        max_passthrough: 0",
            "        max_output_delay: 1s",
            f"        max_output_lag: {MAX_OUTPUT_LAG_S}s",
            "        timeout: 90s",
        ]
    return "\n".join(lines) + "\n"


def run_figures(junit_text: str) -> dict[str, Any]:
    """What one run of the scenario measured, from its JUnit: passed, the failure, and over all its
    streams the longest round trip, the longest output delay, the largest output lag, the wall time."""
    root = ET.fromstring(junit_text)
    case = next(root.iter("testcase"), None)
    if case is None:
        return {"passed": False, "failure": "no testcase in the JUnit"}
    props: dict[str, list[float]] = {}
    for p in case.iter("property"):
        try:
            props.setdefault(p.get("name", ""), []).append(float(p.get("value", "")))
        except ValueError:
            continue
    failure = case.find("failure")

    def largest(name: str) -> float | None:
        return max(props[name]) if props.get(name) else None

    return {
        "passed": failure is None and case.find("skipped") is None,
        "failure": failure.get("message", "") if failure is not None else "",
        "wall_time_s": float(case.get("time", "nan")),
        "max_round_trip_ms": largest("worker_max_round_trip_ms"),
        "max_output_delay_ms": largest("worker_max_output_delay_ms"),
        "max_output_lag_s": largest("worker_output_lag_max_s"),
        "streams_verified": len(props.get("worker_max_round_trip_ms", [])),
    }


def largest_real_time_k(results: dict[int, bool]) -> int:
    """The largest K such that every K' from 1 to K passed (0 when K=1 did not)."""
    k = 0
    while results.get(k + 1):
        k += 1
    return k


def variant_scenario(k: int, variant: str) -> str:
    """The K-stream scenario of one of VARIANTS."""
    model, extra_sts = VARIANTS[variant]
    return scenario(k, model, extra_sts)


def load(streams_dir: Path) -> dict[str, dict[str, Any]]:
    """A bench run's streams part (streams_dir/<variant>/k<K>/junit.xml, as scripts/bench writes it):
    per variant that ran, every K's figures and the largest K in real time."""
    out: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS:
        runs: dict[int, dict[str, Any]] = {}
        for k_dir in sorted((streams_dir / variant).glob("k*")):
            if not k_dir.name[1:].isdigit():
                continue
            junit = read_text(k_dir / "junit.xml")
            unfinished = {"passed": False, "failure": "no JUnit report (the run did not finish)"}
            runs[int(k_dir.name[1:])] = run_figures(junit) if junit else unfinished
        if not runs:
            continue
        k = largest_real_time_k({n: r["passed"] for n, r in runs.items()})
        out[variant] = {
            "largest_k": k,
            "tried_up_to": max(runs),
            "at_largest": runs.get(k, {}),
            "per_k": {str(n): runs[n] for n in sorted(runs)},
        }
    return out
