"""Unit tests of scripts/benchkit/suite.py: where a `dubctl run`'s time goes (its JSON report), the CI's
steps (scripts/test-all's record), and how the bench report shows the suite, CI and main-job floor
figures. Standard library only: python3 -m unittest discover -s tests/python"""

from __future__ import annotations

import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from benchkit import suite
from test_benchlib import RawRuns, make_run


def _step(kind: str, seconds: float) -> dict:
    return {"kind": kind, "duration_s": seconds}


def dubctl_report(wall: float, scenarios: list[tuple[float, list[dict]]], passed: int, tests: int) -> dict:
    """The fields of docs/report.schema.json that benchkit/suite.py reads."""
    return {
        "run": {"wall_time_s": wall, "compose": "docker compose 2.26.1 (v2)"},
        "summary": {"tests": tests, "passed": passed, "failed": tests - passed},
        "scenarios": [{"duration_s": d, "steps": steps} for d, steps in scenarios],
    }


PIPELINE = [_step("up", 3.0), _step("publish", 30.0), _step("wait", 7.0), _step("verify", 7.5), _step("down", 1.0)]
FLOOD = [_step("up", 2.0), _step("sts", 12.0), _step("record", 4.0), _step("verify", 0.5)]


class StepTotals(unittest.TestCase):
    def test_per_kind_outside_steps_and_between_scenarios(self) -> None:
        rep = dubctl_report(100.0, [(50.0, PIPELINE), (20.0, FLOOD)], 2, 2)
        totals = suite.step_totals(rep)
        self.assertEqual(totals["up"], 5.0)
        self.assertEqual(totals["publish"], 30.0)
        self.assertEqual(totals["verify"], 8.0)
        # 50 - 48.5 and 20 - 18.5: a scenario's own set-up and teardown
        self.assertEqual(totals["outside steps"], 3.0)
        self.assertEqual(totals["between scenarios"], 30.0)

    def test_realtime_part_and_the_run_without_stacks(self) -> None:
        f = suite.run_figures(dubctl_report(100.0, [(50.0, PIPELINE), (20.0, FLOOD)], 1, 2))
        self.assertTrue(f["ran"])
        self.assertEqual(f["realtime_s"], 30.0 + 7.0 + 12.0 + 4.0)
        self.assertEqual(f["without_stacks_s"], 30.0 + 7.0 + 7.5 + 12.0 + 4.0 + 0.5)
        self.assertEqual(f["up_s"], 5.0)
        self.assertEqual((f["passed"], f["tests"]), (1, 2))

    def test_no_report_did_not_run(self) -> None:
        self.assertEqual(suite.run_figures(None), {"ran": False})


def _ci_dir(d: Path, steps: list[tuple[str, bool, int]], suites: dict[str, dict] | None = None) -> None:
    d.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"step": n, "ok": ok, "seconds": s}) for n, ok, s in steps]
    (d / "test-all-steps.jsonl").write_text("\n".join([*lines, "not json"]) + "\n")
    for tool, rep in (suites or {}).items():
        (d / f"report-compose-{tool}.json").write_text(json.dumps(rep))


CI_STEPS = [
    ("bootstrap", True, 5),
    ("build", True, 60),
    ("provision images", True, 10),
    ("lint", True, 120),
    ("unit tests (ctest)", True, 20),
    ("sts unit tests (pytest)", True, 15),
    ("fuzzing (short)", True, 300),
    ("remote engine", True, 60),
    ("scenario suite (compose v2)", True, 1400),
    ("reports (compose v2)", True, 5),
    ("scenario suite (compose v1)", True, 1500),
    ("reports (compose v1)", True, 5),
    ("total", True, 3500),
]


class Ci(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.d = Path(self.tmp.name) / "ci"

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_groups_suites_and_floor(self) -> None:
        reps = {tool: dubctl_report(1400.0, [(50.0, PIPELINE)], 1, 1) for tool in ("v1", "v2")}
        _ci_dir(self.d, CI_STEPS, reps)
        ci = suite.load_ci(self.d)
        self.assertTrue(ci["passed"])
        self.assertEqual(ci["total_s"], 3500)
        self.assertEqual(ci["setup_s"], 75)
        self.assertEqual(ci["unit_s"], 335)
        self.assertEqual(ci["stacks_s"], 60)
        self.assertEqual(ci["suites_s"], 2910)
        self.assertEqual(sorted(ci["suites"]), ["v1", "v2"])
        self.assertEqual(ci["realtime_floor_s"], 2 * 37.0)

    def test_a_failed_step_or_no_total_is_not_a_passing_run(self) -> None:
        _ci_dir(self.d, [("bootstrap", True, 5), ("build", False, 60)])
        ci = suite.load_ci(self.d)
        self.assertTrue(ci["ran"])
        self.assertFalse(ci["passed"])
        self.assertIsNone(ci["total_s"])
        self.assertIsNone(ci["lint_s"])  # never reached
        self.assertIsNone(ci["realtime_floor_s"])
        # A record with a total but a failed step (hand-made, or a later tool's) is no passing run either.
        _ci_dir(self.d, [("build", False, 60), ("total", True, 70)])
        self.assertFalse(suite.load_ci(self.d)["passed"])

    def test_no_record_did_not_run(self) -> None:
        self.assertEqual(suite.load_ci(self.d), {"ran": False})


class InTheReport(RawRuns, unittest.TestCase):
    """The bench report's figures and table from a run that measured the main job, the suite and CI."""

    def test_suite_ci_and_main_floor(self) -> None:
        make_run(self.work, 1, 50.0)
        run = self.work / "run-1"
        with (run / "steps.jsonl").open("a") as f:
            for step in ("main_job", "suite", "ci"):
                f.write(json.dumps({"step": step, "start": 0, "end": 60, "rc": 0, "loadavg_1m": 1.0}) + "\n")
        (run / "main" / "artifacts").mkdir(parents=True)
        (run / "main" / "artifacts" / "report.json").write_text(
            json.dumps(dubctl_report(55.0, [(50.0, PIPELINE)], 1, 1))
        )
        (run / "suite").mkdir()
        (run / "suite" / "report.json").write_text(json.dumps(dubctl_report(1300.0, [(50.0, PIPELINE)] * 2, 1, 2)))
        _ci_dir(run / "ci", CI_STEPS, {"v2": dubctl_report(1400.0, [(50.0, PIPELINE)], 1, 1)})
        rep, table = self.build()
        f = rep["figures"]
        self.assertEqual(f["main_job_floor_s"]["values"], [44.5])
        # A main job that failed gives no floor (its report may end anywhere).
        steps = (
            (run / "steps.jsonl")
            .read_text()
            .replace('"main_job", "start": 0, "end": 60, "rc": 0', '"main_job", "start": 0, "end": 60, "rc": 1')
        )
        (run / "steps.jsonl").write_text(steps)
        self.assertEqual(self.build()[0]["figures"]["main_job_floor_s"]["n"], 0)
        self.assertEqual(f["suite_wall_s"]["values"], [1300.0])
        self.assertEqual(f["suite_realtime_s"]["values"], [74.0])
        self.assertEqual(f["ci_total_s"]["values"], [3500.0])
        self.assertEqual(f["ci_realtime_floor_s"]["values"], [37.0])
        self.assertIn("scenario suite: run-1: 1/2 passed (docker compose 2.26.1 (v2))", table)
        self.assertIn("CI (fresh clone): run-1: passed (compose v2 suite: 1/1 passed", table)


if __name__ == "__main__":
    unittest.main()
