"""The benchmark report: figures over the runs, its shape check and the table."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import streams
from .figures import FIGURES, SOURCES
from .files import load_json, write_json
from .parsers import STAGES
from .runs import load_run
from .stats import median, percentile, pooled, summarize

SCHEMA = "dubctl-bench/1"

# Figures with one value per passing run of the full pipeline: figure key -> the run's pipeline key.
PIPELINE_FIGURES = {
    "pipeline_wall_s": "wall_time_s",
    "pipeline_output_duration_s": "output_duration_s",
    "pipeline_max_av_drift_ms": "max_av_drift_ms",
    "pipeline_fingerprint_similarity": "fingerprint_similarity",
    "pipeline_asr_wer": "asr_wer",
    "judge_wall_s": "judge_wall_time_s",
    "judge_s": "judge_time_s",
    "media_verify_s": "media_verify_time_s",
    "heard_min_confidence": "heard_min_confidence",
    "heard_coverage": "heard_coverage",
    "output_lag_max_s": "output_lag_max_s",
    "output_lag_mean_s": "output_lag_mean_s",
    "output_start_delay_s": "output_start_delay_s",
}
# One value per passing echo run: figure key -> the run's echo key.
ECHO_FIGURES = {
    "echo_worker_cpu_s": "worker_cpu_s",
    "echo_peak_rss_mb": "peak_rss_mb",
    "echo_idle_rss_mb": "idle_rss_mb",
    "echo_added_latency_s": "added_latency_s",
    "echo_output_lag_mean_s": "output_lag_mean_s",
}
# One value per run of the soak that ran (passed or not: a growing drift is what it is for).
SOAK_FIGURES = {
    "soak_wall_s": "wall_time_s",
    "soak_output_duration_s": "output_duration_s",
    "soak_max_av_drift_ms": "max_av_drift_ms",
    "soak_drift_trend_ms_per_min": "drift_trend_ms_per_min",
    "soak_rss_growth_media_service_mb": "rss_growth_media_service_mb",
    "soak_rss_growth_sts_service_mb": "rss_growth_sts_service_mb",
}
# One value per run of the suite that ran (passed or not: the table says how many passed).
SUITE_FIGURES = {"suite_wall_s": "wall_s", "suite_realtime_s": "realtime_s", "suite_up_s": "up_s"}
# One value per passing CI run (a failed one stops early: its times say nothing about a whole run).
CI_FIGURES = {
    "ci_total_s": "total_s",
    "ci_setup_s": "setup_s",
    "ci_lint_s": "lint_s",
    "ci_unit_s": "unit_s",
    "ci_stacks_s": "stacks_s",
    "ci_suites_s": "suites_s",
    "ci_realtime_floor_s": "realtime_floor_s",
}
# One value per run of the STS bench: figure key -> (stage, statistic) in its result.
BENCH_FIGURES = {
    "bench_asr_ms": ("asr", "median_ms"),
    "bench_asr_p95_ms": ("asr", "p95_ms"),
    "bench_translation_ms": ("translation", "median_ms"),
    "bench_tts_ms": ("tts", "median_ms"),
    "bench_total_ms": ("total", "median_ms"),
    "bench_total_p95_ms": ("total", "p95_ms"),
    "bench_rtf": ("rtf", "median"),
}


def _pooled_values(runs: list[dict[str, Any]], fn: Any) -> list[float]:
    """fn over every full-length fragment of the passing runs (None = not measured)."""
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


def _per_run_figures(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One value per run; pipeline figures come from the runs whose scenario passed (a failed run is
    counted in the report's pipeline_passed)."""
    ok = [r for r in runs if r["pipeline"]["passed"]]
    per_run = (
        "provision_cold_s",
        "provision_warm_s",
        "up_media_s",
        "up_sts_s",
        "up_all_s",
        "main_job_s",
        "main_job_floor_s",
    )
    figs = {key: summarize([r[key] for r in runs]) for key in per_run}
    figs.update({key: summarize([r["pipeline"].get(k) for r in ok]) for key, k in PIPELINE_FIGURES.items()})
    ran = [r for r in runs if r["pipeline"]["ran"]]
    for svc in ("mediamtx", "media-service", "sts-service"):
        values = [r["pipeline"]["containers"].get(svc, {}).get("peak_rss_mb") for r in ran]
        figs[f"peak_rss_{svc.replace('-', '_')}_mb"] = summarize(values)
    eok = [r for r in runs if r["echo"]["passed"]]
    figs.update({key: summarize([r["echo"].get(k) for r in eok]) for key, k in ECHO_FIGURES.items()})
    soaked = [r for r in runs if r["soak"]["ran"]]
    figs.update({key: summarize([r["soak"].get(k) for r in soaked]) for key, k in SOAK_FIGURES.items()})
    for variant in streams.VARIANTS:
        key = f"streams_{variant.replace('.', '_').replace('-', '_')}"
        ran = [r["streams"][variant] for r in runs if variant in r["streams"]]
        figs[f"{key}_k"] = summarize([m["largest_k"] for m in ran])
        figs[f"{key}_round_trip_ms"] = summarize([m["at_largest"].get("max_round_trip_ms") for m in ran])
        figs[f"{key}_output_lag_s"] = summarize([m["at_largest"].get("max_output_lag_s") for m in ran])
    suites = [r["suite"] for r in runs if r["suite"]["ran"]]
    figs.update({key: summarize([s.get(k) for s in suites]) for key, k in SUITE_FIGURES.items()})
    cis = [r["ci"] for r in runs if r["ci"]["ran"] and r["ci"]["passed"]]
    figs.update({key: summarize([c.get(k) for c in cis]) for key, k in CI_FIGURES.items()})
    sb = [r["sts_bench"] for r in runs if r["sts_bench"]]
    figs.update({key: summarize([b[stage][stat] for b in sb]) for key, (stage, stat) in BENCH_FIGURES.items()})
    return figs


def _pooled_figures(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Pooled over every full-length fragment of the passing runs: STS times and real-time factors."""
    figs = {}
    proc = _pooled_values(runs, lambda f: f["processing_ms"])
    figs["sts_processing_ms"] = pooled(proc, ndigits=1)
    figs["sts_processing_p95_ms"] = pooled(proc, 0.95, ndigits=1)
    rt = _pooled_values(runs, lambda f: f["roundtrip_ms"])
    figs["sts_roundtrip_ms"] = pooled(rt, ndigits=1)
    figs["sts_roundtrip_p95_ms"] = pooled(rt, 0.95, ndigits=1)
    for stage in (*STAGES, "total"):
        key = "processing_ms" if stage == "total" else f"{stage}_ms"
        vals = _pooled_values(
            runs, lambda f, k=key: f[k] / f["duration_ms"] if f[k] is not None and f["duration_ms"] else None
        )
        figs[f"rtf_{stage}"] = pooled(vals, ndigits=4)
        figs[f"rtf_{stage}"]["p95"] = round(percentile(vals, 0.95), 4) if vals else None
    return figs


def _warm_rebuilt(runs: list[dict[str, Any]]) -> list[str]:
    """Images a "warm" provisioning had to build (its inputs changed): no warm figure then."""
    return sorted(
        {
            a["image"]
            for r in runs
            for a in r.get("provision_warm_actions") or []
            if not a["action"].startswith(("present", "not yet available"))
        }
    )


def _background_load(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Compile jobs and load average seen at the start and end of the measurements."""
    loads = [s.get("loadavg_1m") for r in runs for s in r["steps"].values() if s.get("loadavg_1m") is not None]
    compilers = [s.get("compilers", 0) for r in runs for s in r["steps"].values()]
    busy = max(compilers, default=0) > 0
    return {
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
            "measured with background load: other compile jobs were running on this machine during some measurements"
            if busy
            else "no compile job was seen running at the start or end of any measurement"
        ),
    }


def _suite_result(run: str, s: dict[str, Any]) -> str:
    return f"{run}: {s.get('passed')}/{s.get('tests')} passed" + (f" ({s['compose']})" if s.get("compose") else "")


def _ci_result(run: str, c: dict[str, Any]) -> str:
    suites = ", ".join(f"compose {tool} {_suite_result('suite', s)}" for tool, s in c["suites"].items() if s["ran"])
    return f"{run}: {'passed' if c['passed'] else 'FAILED'}" + (f" ({suites})" if suites else "")


def build_report(meta: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    figs = {**_per_run_figures(runs), **_pooled_figures(runs)}
    segs = [r["pipeline"]["segment_s"] for r in runs if r["pipeline"]["segment_s"]]
    seg = median(segs) if segs else None
    figures: dict[str, dict[str, Any]] = {}
    for key, label, unit, target in FIGURES:
        if key == "output_lag_max_s" and seg:
            target = f"<= {seg + 2:g} (segment {seg:g} + 2)"
        figures[key] = {"label": label, "unit": unit, "target": target, "source": SOURCES.get(key, ""), **figs[key]}
    figures["provision_warm_s"]["rebuilt"] = _warm_rebuilt(runs)
    return {
        "schema": SCHEMA,
        "date": meta.get("date"),
        "started_at": meta.get("started_at"),
        "finished_at": meta.get("finished_at"),
        "mode": meta.get("mode"),
        "runs": len(runs),
        "segment_s": seg,
        "machine": meta.get("machine", {}),
        "pipeline_passed": len([r for r in runs if r["pipeline"]["passed"]]),
        "echo_passed": len([r for r in runs if r["echo"]["passed"]]),
        "soak_passed": len([r for r in runs if r["soak"]["passed"]]),
        "suite_results": [_suite_result(r["run"], r["suite"]) for r in runs if r["suite"]["ran"]],
        "ci_results": [_ci_result(r["run"], r["ci"]) for r in runs if r["ci"]["ran"]],
        "background_load": _background_load(runs),
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
        f"echo scenario passed {rep['echo_passed']}/{rep['runs']}, soak passed {rep['soak_passed']}/{rep['runs']}; "
        "* = pooled over every fragment of the "
        "passing runs (full-length fragments only; n samples), otherwise one value per run"
    )
    if rep["suite_results"]:
        lines.append(f"scenario suite: {'; '.join(rep['suite_results'])}")
    if rep["ci_results"]:
        lines.append(f"CI (fresh clone): {'; '.join(rep['ci_results'])}; the CI figures count passing runs only")
    rebuilt = rep["figures"]["provision_warm_s"].get("rebuilt")
    if rebuilt:
        lines.append(f"note: the warm provisioning rebuilt {', '.join(rebuilt)} (its inputs had changed)")
    load = rep["background_load"]
    lines.append(f"background: {load['note']} (max 1-min load average {load['max_loadavg_1m']})")
    per_run = ", ".join(f"{r['run']}: {r['max_compilers_running']} / {r['max_loadavg_1m']}" for r in load["per_run"])
    lines.append(f"compile processes / 1-min load average seen per run: {per_run}")
    return "\n".join(lines)


def report(work: Path, out_dir: Path) -> int:
    meta = load_json(work / "meta.json") or {}
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
