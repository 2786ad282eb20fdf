"""Unit tests of scripts/benchkit/streams.py: the K-stream scenario, what a run of it measured, and
the largest K in real time. Standard library only."""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import benchlib
from benchkit import streams

ROOT = Path(__file__).resolve().parents[2]


def junit(props: list[tuple[str, str]], failure: str | None = None, time: float = 95.2) -> str:
    prop_xml = "".join(f'<property name="{n}" value="{v}"/>' for n, v in props)
    fail_xml = f'<failure message="{failure}">details</failure>' if failure else ""
    return (
        '<testsuites><testsuite name="dubctl"><testcase name="streams-2-base" classname="load" '
        f'time="{time}"><properties>{prop_xml}</properties>{fail_xml}</testcase></testsuite></testsuites>'
    )


class Scenario(unittest.TestCase):
    def test_one_publish_and_one_worker_check_per_stream(self) -> None:
        text = streams.scenario(3, "tiny.en")
        self.assertIn("name: streams-3-tiny-en\n", text)
        self.assertIn("sts: {env: {ASR_MODEL: tiny.en}}", text)
        for i in (1, 2, 3):
            self.assertIn(f'to: "${{mediamtx.rtsp}}/live/${{stream}}-{i}/in"', text)
            self.assertIn(f'stream: "${{stream}}-{i}"', text)
        self.assertNotIn("${stream}-4", text)
        self.assertEqual(text.count("  - publish:"), 3)
        self.assertEqual(text.count("max_round_trip: 15s"), 3)
        self.assertEqual(text.count(f"max_output_lag: {streams.MAX_OUTPUT_LAG_S}s"), 3)
        self.assertEqual(text.count("max_passthrough: 0"), 3)

    def test_a_second_sts_is_given_to_the_media_service(self) -> None:
        text = streams.variant_scenario(4, "base-2sts")
        self.assertIn("name: streams-4-base-2sts\n", text)
        self.assertIn(f"sts: {{env: {{ASR_MODEL: base, ASR_CPU_THREADS: {max(1, streams.CORES // 2)}}}}}", text)
        self.assertIn(
            'media: {env: {STS_SERVICE_URL: "http://host.docker.internal:3000,http://host.docker.internal:3001"}}',
            text,
        )
        self.assertIn("2 STS, each stream's connection to the next in turn", text)
        self.assertEqual(text.count("  - publish:"), 4)
        self.assertIn("  media: {}\n", streams.variant_scenario(4, "base"))

    def test_k_must_be_positive(self) -> None:
        with self.assertRaises(ValueError):
            streams.scenario(0, "base")

    def test_the_shipped_scenario_is_the_generators(self) -> None:
        shipped = (ROOT / "scenarios/load/streams_2.yaml").read_text()
        self.assertEqual(shipped, streams.scenario(2, "base"), "scripts/benchlib.py streams-scenario 2 base makes it")

    def test_the_command_writes_it_and_refuses_bad_arguments(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "s.yaml"
            self.assertEqual(benchlib.main(["benchlib", "streams-scenario", "2", "base", str(out)]), 0)
            self.assertEqual(out.read_text(), streams.scenario(2, "base"))
            self.assertEqual(benchlib.main(["benchlib", "streams-scenario", "0", "base", str(out)]), 2)
            self.assertEqual(benchlib.main(["benchlib", "streams-scenario", "2", "small", str(out)]), 2)
            self.assertEqual(benchlib.main(["benchlib", "streams-scenario", "2", "base-2sts", str(out)]), 0)
            self.assertIn("base-2sts", out.read_text())

    def test_the_variant_command_names_the_model_and_the_extra_sts(self) -> None:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            self.assertEqual(benchlib.main(["benchlib", "streams-variant", "base-2sts"]), 0)
            self.assertEqual(benchlib.main(["benchlib", "streams-variant", "tiny.en"]), 0)
        self.assertEqual(printed.getvalue(), f"base {max(1, streams.CORES // 2)} 3001\ntiny.en 0\n")
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(benchlib.main(["benchlib", "streams-variant", "large"]), 2)


class RunFigures(unittest.TestCase):
    def test_the_largest_figure_over_the_streams(self) -> None:
        props = [
            ("worker_max_round_trip_ms", "2100"),
            ("worker_output_lag_max_s", "7.5"),
            ("worker_max_output_delay_ms", "12"),
            ("worker_max_round_trip_ms", "4800"),
            ("worker_output_lag_max_s", "9.25"),
            ("worker_max_output_delay_ms", "8"),
            ("worker_state", "completed"),
        ]
        figs = streams.run_figures(junit(props))
        self.assertTrue(figs["passed"])
        self.assertEqual(figs["max_round_trip_ms"], 4800)
        self.assertEqual(figs["max_output_lag_s"], 9.25)
        self.assertEqual(figs["max_output_delay_ms"], 12)
        self.assertEqual(figs["streams_verified"], 2)
        self.assertEqual(figs["wall_time_s"], 95.2)

    def test_a_failure_is_not_real_time(self) -> None:
        figs = streams.run_figures(junit([("worker_max_round_trip_ms", "16100")], failure="round trip over 15 s"))
        self.assertFalse(figs["passed"])
        self.assertEqual(figs["failure"], "round trip over 15 s")
        self.assertEqual(figs["max_round_trip_ms"], 16100)
        self.assertIsNone(figs["max_output_lag_s"])

    def test_no_testcase(self) -> None:
        self.assertFalse(streams.run_figures("<testsuites/>")["passed"])


class LargestK(unittest.TestCase):
    def test_stops_at_the_first_failure(self) -> None:
        self.assertEqual(streams.largest_real_time_k({1: True, 2: True, 3: False}), 2)
        self.assertEqual(streams.largest_real_time_k({1: True, 2: False, 3: True}), 1)
        self.assertEqual(streams.largest_real_time_k({1: False}), 0)
        self.assertEqual(streams.largest_real_time_k({}), 0)

    def test_load_reads_the_bench_layout(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            base = Path(d) / "base"
            for k, failure in ((1, None), (2, None), (3, "lag")):
                (base / f"k{k}").mkdir(parents=True)
                lag = str(6.5 + k)
                (base / f"k{k}" / "junit.xml").write_text(junit([("worker_output_lag_max_s", lag)], failure))
            (Path(d) / "tiny.en" / "k1").mkdir(parents=True)  # a run cut off before its JUnit
            (Path(d) / "base-2sts" / "k1").mkdir(parents=True)
            (Path(d) / "base-2sts" / "k1" / "junit.xml").write_text(junit([("worker_output_lag_max_s", "7")]))
            got = streams.load(Path(d))
        self.assertEqual(got["base"]["largest_k"], 2)
        self.assertEqual(got["base"]["tried_up_to"], 3)
        self.assertEqual(got["base"]["at_largest"]["max_output_lag_s"], 8.5)
        self.assertEqual(got["tiny.en"]["largest_k"], 0)
        self.assertFalse(got["tiny.en"]["per_k"]["1"]["passed"])
        self.assertEqual(got["base-2sts"]["largest_k"], 1)
        self.assertEqual(streams.load(Path("/nonexistent")), {})


if __name__ == "__main__":
    unittest.main()
