"""Unit tests of scripts/benchlib.py and its parts in scripts/benchkit/ (the pure parts of
scripts/bench): statistics, parsers and the shape of the JSON report.
Standard library only: python3 -m unittest discover -s tests/python"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import benchlib
from benchkit import figures, parsers, report, stats


class Statistics(unittest.TestCase):
    def test_median(self) -> None:
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(stats.median([7]), 7)
        self.assertIsNone(stats.median([]))

    def test_percentile_interpolates_between_ranks(self) -> None:
        values = [float(v) for v in range(1, 11)]  # 1..10
        self.assertAlmostEqual(stats.percentile(values, 0.95), 9.55)
        self.assertAlmostEqual(stats.percentile(values, 0.5), 5.5)
        self.assertEqual(stats.percentile(values, 0), 1)
        self.assertEqual(stats.percentile(values, 1), 10)
        self.assertEqual(stats.percentile([5.0], 0.95), 5.0)
        self.assertAlmostEqual(stats.percentile([10.0, 0.0], 0.25), 2.5)  # order does not matter
        self.assertIsNone(stats.percentile([], 0.95))
        with self.assertRaises(ValueError):
            stats.percentile(values, 95)

    def test_summarize_skips_unmeasured(self) -> None:
        s = stats.summarize([3.0, None, 1.0, float("nan"), 2.0])
        self.assertEqual(s, {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3, "values": [3.0, 1.0, 2.0]})
        self.assertEqual(stats.summarize([None]), {"median": None, "min": None, "max": None, "n": 0, "values": []})


PROM = """# HELP media_output_lag_seconds lag
# TYPE media_output_lag_seconds histogram
media_output_lag_seconds_bucket{stream="a",le="+Inf"} 4
media_output_lag_seconds_sum{stream="a"} 26
media_output_lag_seconds_count{stream="a"} 4
media_output_lag_seconds_sum{stream="b \\"quoted\\""} 9
media_output_lag_seconds_count{stream="b \\"quoted\\""} 3
media_active_workers 1
media_output_lag_seconds_sum{stream="empty"} 0
media_output_lag_seconds_count{stream="empty"} 0
"""


class Parsers(unittest.TestCase):
    def test_prometheus(self) -> None:
        samples = parsers.parse_prometheus(PROM)
        self.assertEqual(parsers.prom_value(samples, "media_active_workers"), 1)
        self.assertEqual(parsers.prom_value(samples, "media_output_lag_seconds_bucket", stream="a", le="+Inf"), 4)
        self.assertEqual(parsers.histogram_mean(samples, "media_output_lag_seconds", stream="a"), 6.5)
        self.assertEqual(parsers.histogram_mean(samples, "media_output_lag_seconds", stream='b "quoted"'), 3)
        self.assertIsNone(parsers.histogram_mean(samples, "media_output_lag_seconds", stream="empty"))
        self.assertIsNone(parsers.histogram_mean(samples, "media_output_lag_seconds", stream="missing"))

    def test_junit(self) -> None:
        cases = parsers.parse_junit(JUNIT_FAILED)
        self.assertEqual(list(cases), ["full-pipeline"])
        case = cases["full-pipeline"]
        self.assertTrue(case["failed"])
        self.assertEqual(case["failure"], "A/V drift reaches 130.0 ms (> 120 ms)")
        self.assertEqual(parsers.prop_float(case["properties"], "max_av_drift_ms"), 130.0)
        self.assertIsNone(parsers.prop_float(case["properties"], "absent"))
        self.assertIsNone(parsers.prop_float({"x": "n/a"}, "x"))

    def test_sts_log_keeps_the_stream_done_lines_in_order(self) -> None:
        lines = [
            "not json",
            json.dumps(_sts_line("s1", 1, 700)),
            json.dumps({"stage": "asr", "stream_id": "s1", "msg": "working"}),
            json.dumps(_sts_line("other", 0, 5)),
            json.dumps(_sts_line("s1", 0, 900)),
        ]
        frags = parsers.parse_sts_log(lines, "s1")
        self.assertEqual([f["sequence_number"] for f in frags], [0, 1])
        self.assertEqual(frags[0]["processing_ms"], 900)
        self.assertEqual(frags[0]["asr_ms"], 900 * 0.8)
        self.assertEqual(frags[1]["fragment_id"], "s1-0001")

    def test_provision_lines(self) -> None:
        out = parsers.parse_provision(
            "[provision-images] trying: docker pull x\n"
            "base: debian:bookworm-slim present locally (0s)\n"
            "sts: dubctl/sts-service:dev built (inputs changed): docker build 81s (95s)\n"
        )
        self.assertEqual(
            out,
            [
                {"name": "base", "image": "debian:bookworm-slim", "action": "present locally", "seconds": 0.0},
                {
                    "name": "sts",
                    "image": "dubctl/sts-service:dev",
                    "action": "built (inputs changed): docker build 81s",
                    "seconds": 95.0,
                },
            ],
        )

    def test_rfc3339_times(self) -> None:
        t = parsers.parse_time("2026-01-02T03:04:05.123456789Z")
        self.assertAlmostEqual(t - parsers.parse_time("2026-01-02T03:04:05Z"), 0.123456789, places=6)
        self.assertEqual(parsers.parse_time("2026-01-02T05:04:05+02:00"), parsers.parse_time("2026-01-02T03:04:05Z"))
        self.assertIsNone(parsers.parse_time(None))
        self.assertIsNone(parsers.parse_time("yesterday"))


JUNIT_FAILED = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" failures="1" skipped="0" time="50.000">
  <testsuite name="dubctl" tests="1" failures="1" errors="0" skipped="0" time="50.000">
    <testcase name="full-pipeline" classname="scenarios" time="50.000">
      <properties>
        <property name="max_av_drift_ms" value="130.0"/>
        <property name="wall_time_s" value="50.0"/>
      </properties>
      <failure message="A/V drift reaches 130.0 ms (&gt; 120 ms)">A/V drift reaches 130.0 ms (&gt; 120 ms)</failure>
    </testcase>
  </testsuite>
</testsuites>
"""


def _junit(name: str, props: dict[str, float]) -> str:
    p = "".join(f'<property name="{k}" value="{v}"/>' for k, v in props.items())
    return (
        f'<testsuites><testsuite name="dubctl"><testcase name="{name}" classname="scenarios" time="1">'
        f"<properties>{p}</properties></testcase></testsuite></testsuites>"
    )


def _sts_line(stream: str, seq: int, total_ms: float) -> dict:
    return {
        "msg": "fragment success: 'a' -> 'b'",
        "stage": "done",
        "stream_id": stream,
        "fragment_id": f"{stream}-{seq:04d}",
        "sequence_number": seq,
        "processing_time_ms": total_ms,
        "queue_time_ms": 1.0,
        "timings_ms": {"asr": total_ms * 0.8, "translation": total_ms * 0.15, "tts": total_ms * 0.05},
    }


def _containers(t: float, cpu_s: float, rss_kb: int, hwm_kb: int, cid: str = "abc") -> dict:
    c = {"id": cid, "pid": 1, "cpu_s": cpu_s, "vmrss_kb": rss_kb, "vmhwm_kb": hwm_kb, "cgroup_mem_max_bytes": 2**20}
    return {"time": t, "containers": {"media-service": c, "mediamtx": dict(c), "sts-service": dict(c)}}


def make_run(work: Path, i: int, wall: float, passed: bool = True, cpu_end: float = 2.0) -> None:
    """Writes the raw files of one run as scripts/bench lays them out."""
    run = work / f"run-{i}"
    (run / "pipeline").mkdir(parents=True)
    (run / "echo").mkdir()
    (run / "sts_bench").mkdir()
    steps = [
        {"step": "provision_warm", "start": 100.0, "end": 100.0 + i, "rc": 0, "loadavg_1m": 0.5, "compilers": 0},
        {"step": "up_media", "start": 0, "end": 10 + i, "rc": 0, "loadavg_1m": 0.4, "compilers": 0},
        {"step": "up_sts", "start": 0, "end": 20, "rc": 1, "loadavg_1m": 0.4, "compilers": 0},  # failed: unmeasured
        {"step": "pipeline", "start": 0, "end": wall, "rc": 0 if passed else 1, "loadavg_1m": 1.5, "compilers": 2},
        {"step": "echo", "start": 0, "end": 40, "rc": 0, "loadavg_1m": 1.0, "compilers": 0},
        {"step": "soak", "start": 0, "end": 700, "rc": 0 if passed else 1, "loadavg_1m": 1.0, "compilers": 0},
    ]
    (run / "steps.jsonl").write_text("".join(json.dumps(s) + "\n" for s in steps))
    (run / "provision_warm.log").write_text("base: debian:bookworm-slim present locally (0s)\n")
    stream = f"full-pipeline-1-{i}"
    p = run / "pipeline"
    props = {"wall_time_s": wall, "duration_s": 30.0, "max_av_drift_ms": 20 + i, "asr_wer": 0.1}
    junit = _junit("full-pipeline", props)
    if not passed:
        junit = junit.replace("</properties>", '</properties><failure message="broken">broken</failure>')
    (p / "junit.xml").write_text(junit)
    (p / "media_health.json").write_text(json.dumps({"config": {"segment_duration_ms": 6000}}))
    frags = [
        {"fragment_id": f"{stream}-{k:04d}", "duration_ns": 6_000_000_000 if k < 2 else 16_000_000, "latency_ms": 610}
        for k in range(3)
    ]
    (p / "stream.json").write_text(
        json.dumps({"name": stream, "output_stats": {"output_lag_max_s": 6.5 + i / 10}, "fragments": frags})
    )
    metric = "media_output_lag_seconds"
    (p / "media_metrics.txt").write_text(
        f'{metric}_sum{{stream="{stream}"}} 62\n{metric}_count{{stream="{stream}"}} 10\n'
    )
    # Fragment 2 is the short tail (16 ms): left out of the latency and RTF figures.
    (p / "sts.log").write_text("".join(json.dumps(_sts_line(stream, k, 600 * (k + 1))) + "\n" for k in range(3)))
    (p / "paths.json").write_text(
        json.dumps(
            {
                f"live/{stream}/in": {"ready_time": "2026-01-01T00:00:00.5Z"},
                f"live/{stream}/out": {"ready_time": "2026-01-01T00:00:07.25Z"},
            }
        )
    )
    (p / "containers.json").write_text(json.dumps(_containers(0, 1.0, 50_000, 102_400)))
    e = run / "echo"
    (e / "junit.xml").write_text(_junit("media-echo-sts", {"wall_time_s": 40}))
    (e / "media_health.json").write_text(json.dumps({"config": {"segment_duration_ms": 6000}}))
    (e / "stream.json").write_text(json.dumps({"name": "echo-1", "output_stats": {"output_lag_max_s": 6.25}}))
    (e / "containers_start.json").write_text(json.dumps(_containers(0.0, 0.10, 30_720, 30_720)))
    (e / "containers_idle.json").write_text(json.dumps(_containers(5.0, 0.15, 30_720, 30_720)))
    (e / "containers_end.json").write_text(json.dumps(_containers(45.0, cpu_end, 60_000, 76_800)))
    # The soak: its rss steps record each service three times; the last (the end) counts.
    (run / "soak").mkdir()
    soak = _junit("soak-10min", {"wall_time_s": 700, "duration_s": 600.0, "av_drift_trend_ms_per_min": i / 2})
    soak = soak.replace("</properties>", f'<property name="rss_growth_media_service_mb" value="{i}"/></properties>')
    soak = soak.replace("<properties>", '<properties><property name="rss_growth_media_service_mb" value="0.0"/>')
    if not passed:
        soak = soak.replace("</properties>", '</properties><failure message="drift grows">drift grows</failure>')
    (run / "soak" / "junit.xml").write_text(soak)
    stage = {"median_ms": 500.0, "p95_ms": 700.0, "max_ms": 800.0}
    (run / "sts_bench" / "sts_bench.json").write_text(
        json.dumps(
            {
                "results": [
                    {
                        "model": "tiny.en",
                        "asr": stage,
                        "translation": stage,
                        "tts": stage,
                        "total": {**stage, "median_ms": 600.0 + i},
                        "rtf": {"median": 0.1, "p95": 0.12},
                    }
                ]
            }
        )
    )


class RawRuns:
    """A mixin of unittest.TestCase: a raw folder as scripts/bench lays it out, and the report of it."""

    tmp: tempfile.TemporaryDirectory
    work: Path

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.work = Path(self.tmp.name) / "raw"
        self.work.mkdir()
        (self.work / "meta.json").write_text(json.dumps({"stamp": "20260101-000000", "mode": "warm", "machine": {}}))

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def build(self) -> tuple[dict, str]:
        out = Path(self.tmp.name) / "out"
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = benchlib.main(["benchlib.py", "report", str(self.work), str(out)])
        assert rc == 0, f"benchlib report exited {rc}"
        latest = json.loads((out / "latest.json").read_text())
        assert latest == json.loads((out / "20260101-000000.json").read_text())
        return latest, buf.getvalue()


class Report(RawRuns, unittest.TestCase):
    def test_figures_medians_and_shape(self) -> None:
        make_run(self.work, 1, 50.0)
        make_run(self.work, 2, 70.0, passed=False)  # pipeline figures skip a failed run
        make_run(self.work, 3, 54.0, cpu_end=3.0)
        rep, table = self.build()
        self.assertEqual(report.validate_report(rep), [])
        f = rep["figures"]
        self.assertEqual(rep["runs"], 3)
        self.assertEqual(rep["pipeline_passed"], 2)
        self.assertEqual(f["pipeline_wall_s"]["values"], [50.0, 54.0])
        self.assertEqual(f["pipeline_wall_s"]["median"], 52.0)
        self.assertEqual(f["provision_warm_s"]["values"], [1.0, 2.0, 3.0])
        self.assertEqual(f["up_media_s"]["median"], 12.0)
        self.assertEqual(f["up_sts_s"]["n"], 0)  # every up_sts failed
        self.assertIsNone(f["up_sts_s"]["median"])
        self.assertEqual(f["provision_cold_s"]["n"], 0)
        # Pooled over the two passing runs, full-length fragments only (600 and 1200 ms twice).
        self.assertEqual(f["sts_processing_ms"]["n"], 4)
        self.assertEqual(f["sts_processing_ms"]["median"], 900.0)
        self.assertEqual(f["sts_processing_p95_ms"]["median"], 1200.0)
        self.assertAlmostEqual(f["rtf_asr"]["median"], 900 * 0.8 / 6000, places=4)
        self.assertAlmostEqual(f["rtf_total"]["max"], 0.2)
        self.assertEqual(f["output_lag_max_s"]["values"], [6.6, 6.8])
        self.assertEqual(f["output_lag_max_s"]["target"], "<= 8 (segment 6 + 2)")
        self.assertEqual(f["output_lag_mean_s"]["median"], 6.2)
        self.assertEqual(f["output_start_delay_s"]["median"], 6.75)
        self.assertEqual(f["peak_rss_media_service_mb"]["median"], 100.0)
        # echo: CPU from t=5 to t=45 minus the idle rate (0.05 s over 5 s -> 0.4 s over 40 s)
        self.assertEqual(f["echo_worker_cpu_s"]["values"], [1.45, 1.45, 2.45])
        self.assertEqual(f["echo_peak_rss_mb"]["median"], 75.0)
        self.assertEqual(f["echo_idle_rss_mb"]["median"], 30.0)
        self.assertEqual(f["echo_added_latency_s"]["median"], 0.25)
        self.assertEqual(f["bench_total_ms"]["values"], [601.0, 602.0, 603.0])
        # The soak: every run that ran it, the failed one too; growth from the end sample.
        self.assertEqual(rep["soak_passed"], 2)
        self.assertEqual(f["soak_drift_trend_ms_per_min"]["values"], [0.5, 1.0, 1.5])
        self.assertEqual(f["soak_rss_growth_media_service_mb"]["values"], [1.0, 2.0, 3.0])
        self.assertEqual(f["soak_output_duration_s"]["median"], 600.0)
        self.assertEqual(f["soak_rss_growth_sts_service_mb"]["n"], 0)
        self.assertIn("background load", rep["background_load"]["note"])
        self.assertEqual(rep["background_load"]["max_compilers_running"], 2)
        for key, label, *_ in figures.FIGURES:
            self.assertIn(label, table, key)
        self.assertIn("full pipeline passed 2/3", table)
        self.assertIn("soak passed 2/3", table)

    def test_recreated_container_gives_no_cpu_figure(self) -> None:
        make_run(self.work, 1, 50.0)
        end = self.work / "run-1" / "echo" / "containers_end.json"
        end.write_text(json.dumps(_containers(45.0, 2.0, 60_000, 76_800, cid="other")))
        rep, _ = self.build()
        self.assertEqual(rep["figures"]["echo_worker_cpu_s"]["n"], 0)

    def test_warm_provisioning_that_built_is_flagged(self) -> None:
        make_run(self.work, 1, 50.0)
        make_run(self.work, 2, 50.0)
        (self.work / "run-2" / "provision_warm.log").write_text(
            "base: debian:bookworm-slim present locally (0s)\n"
            "media-service: dubctl/media-service:dev built (inputs changed): docker build 30s (31s)\n"
        )
        rep, table = self.build()
        self.assertEqual(rep["figures"]["provision_warm_s"]["rebuilt"], ["dubctl/media-service:dev"])
        self.assertIn("warm provisioning rebuilt dubctl/media-service:dev", table)

    def test_validate_report_finds_problems(self) -> None:
        make_run(self.work, 1, 50.0)
        rep, _ = self.build()
        broken = json.loads(json.dumps(rep))
        del broken["figures"]["up_media_s"]
        broken["figures"]["pipeline_wall_s"]["n"] = 5
        broken["figures"]["output_lag_max_s"].update({"min": 9.0, "median": 1.0, "max": 10.0})
        broken["schema"] = "other"
        broken["runs"] = "3"
        problems = report.validate_report(broken)
        self.assertIn("figures.up_media_s: missing", problems)
        self.assertIn("figures.pipeline_wall_s: n does not match values", problems)
        self.assertIn("figures.output_lag_max_s: not min <= median <= max", problems)
        self.assertIn("schema: expected dubctl-bench/1", problems)
        self.assertIn("runs: expected int, found str", problems)

    def test_no_runs_is_an_error(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(report.report(self.work, Path(self.tmp.name) / "out"), 1)
        self.assertIn("no runs", err.getvalue())


if __name__ == "__main__":
    unittest.main()
