"""Where the time of a `dubctl run` goes, from its JSON report (docs/report.schema.json), and the CI's
steps from scripts/test-all's record (out/test-all-steps.jsonl): the figures of the bench's suite and
ci parts and the main job's floor (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import json_lines, load_json

# Step kinds that run at the media's own pace: a stream published in real time (or at a set pace), the
# pipeline's answer awaited, the output recorded, the STS fed. No faster start or check shortens them
# on one pair of stacks; they are the floor of a run that keeps its scenarios one after the other.
REALTIME_KINDS = ("publish", "wait", "record", "sts")


def step_totals(rep: dict[str, Any]) -> dict[str, float]:
    """Seconds per step kind over every scenario of the report, plus "outside steps" (a scenario's
    own set-up and teardown) and "between scenarios" (the run's wall time left)."""
    totals: dict[str, float] = {}
    in_scenarios = 0.0
    for sc in rep.get("scenarios") or []:
        in_steps = 0.0
        for st in sc.get("steps") or []:
            took = float(st.get("duration_s") or 0)
            totals[st["kind"]] = totals.get(st["kind"], 0.0) + took
            in_steps += took
        own = float(sc.get("duration_s") or 0)
        in_scenarios += own
        totals["outside steps"] = totals.get("outside steps", 0.0) + max(0.0, own - in_steps)
    wall = float((rep.get("run") or {}).get("wall_time_s") or 0)
    totals["between scenarios"] = max(0.0, wall - in_scenarios)
    return {k: round(v, 1) for k, v in sorted(totals.items())}


def run_figures(rep: dict[str, Any] | None) -> dict[str, Any]:
    """A run's wall time, verdict, time per step kind and its real-time part (REALTIME_KINDS)."""
    if not rep:
        return {"ran": False}
    summary = rep.get("summary") or {}
    run = rep.get("run") or {}
    totals = step_totals(rep)
    return {
        "ran": True,
        "wall_s": run.get("wall_time_s"),
        "compose": run.get("compose"),
        "tests": summary.get("tests"),
        "passed": summary.get("passed"),
        "failed": summary.get("failed"),
        "by_kind_s": totals,
        "realtime_s": round(sum(totals.get(k, 0.0) for k in REALTIME_KINDS), 1),
        "up_s": totals.get("up"),
        "without_stacks_s": round(
            sum(v for k, v in totals.items() if k not in ("up", "down", "outside steps", "between scenarios")), 1
        ),
    }


def load_suite(d: Path) -> dict[str, Any]:
    """The suite part: `dubctl run scenarios/` with its report at d/report.json."""
    return run_figures(load_json(d / "report.json"))


# scripts/test-all's step names, grouped as the bench prints them.
CI_GROUPS = {
    "setup": ("bootstrap", "build", "provision images"),
    "lint": ("lint",),
    "unit": ("unit tests (ctest)", "sts unit tests (pytest)", "fuzzing (short)"),
    "stacks": ("compose leftovers", "signals (each step)", "isolated runs side by side", "remote engine"),
}


def load_ci(d: Path) -> dict[str, Any]:
    """The ci part: test-all's steps (d/test-all-steps.jsonl) and each suite's report
    (d/report-compose-<tool>.json) of `bash .ci/run` on a fresh clone."""
    if not (d / "test-all-steps.jsonl").is_file():
        return {"ran": False}
    steps = [
        s
        for s in json_lines(d / "test-all-steps.jsonl")
        if isinstance(s.get("step"), str) and isinstance(s.get("seconds"), int)
    ]
    seconds = {s["step"]: s["seconds"] for s in steps}
    out: dict[str, Any] = {
        "ran": True,
        "passed": bool(steps) and all(s.get("ok") for s in steps) and "total" in seconds,
        "total_s": seconds.get("total"),
        "steps_s": seconds,
    }
    for group, names in CI_GROUPS.items():
        out[f"{group}_s"] = sum(seconds.get(n, 0) for n in names) if any(n in seconds for n in names) else None
    suites = {}
    for path in sorted(d.glob("report-compose-*.json")):
        suites[path.stem.removeprefix("report-compose-")] = run_figures(load_json(path))
    out["suites"] = suites
    suite_steps = [v for k, v in seconds.items() if k.startswith(("scenario suite", "reports ("))]
    out["suites_s"] = sum(suite_steps) if suite_steps else None
    floors = [s["realtime_s"] for s in suites.values() if s.get("ran")]
    out["realtime_floor_s"] = round(sum(floors), 1) if floors else None
    return out
