"""Unit tests of scripts/check_skips.py (CI fails on any pytest/ctest skip the allow-list does not name)."""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import check_skips as cs

ROOT = Path(__file__).resolve().parents[2]

PYTEST_XML = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" skipped="2" tests="3">
<testcase classname="tests.test_contract" name="test_vectors_current" time="0.1">
  <skipped type="pytest.skip" message="repository layout not available">/repo/tests/test_contract.py:98: ...</skipped>
</testcase>
<testcase classname="tests.test_asr" name="test_model[tiny]" time="0.1">
  <skipped type="pytest.skip" message="no model">...</skipped>
</testcase>
<testcase classname="tests.test_asr" name="test_ok" time="0.1"/>
</testsuite></testsuites>
"""

CTEST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="x" tests="2" failures="0" disabled="0" skipped="1" hostname="" time="0" timestamp="">
  <testcase name="ReportBrowser.RendersPng" classname="ReportBrowser.RendersPng" time="0.1" status="notrun">
    <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
    <system-out>/src/tests/dubctl/report_browser_test.cpp:67: Skipped
chromium is not installed
[  SKIPPED ] ReportBrowser.RendersPng (0 ms)
</system-out>
  </testcase>
  <testcase name="Other.Runs" classname="Other.Runs" time="0.1" status="run"><system-out></system-out></testcase>
</testsuite>
"""


class CheckSkips(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text)
        return path

    def run_main(self, suite: str, junit: Path, allow: str) -> tuple[int, str]:
        err = io.StringIO()
        argv = ["check_skips.py", "--allow", str(self.write("allow.txt", allow)), "--suite", suite, str(junit)]
        with contextlib.redirect_stderr(err):
            rc = cs.main(argv)
        return rc, err.getvalue()

    def test_pytest_skips_with_ids_and_reasons(self) -> None:
        found = cs.skips(self.write("p.xml", PYTEST_XML))
        self.assertEqual(
            found,
            [
                cs.Skip("tests.test_contract::test_vectors_current", "repository layout not available"),
                cs.Skip("tests.test_asr::test_model[tiny]", "no model"),
            ],
        )

    def test_ctest_skip_takes_the_gtest_skip_message(self) -> None:
        found = cs.skips(self.write("c.xml", CTEST_XML))
        self.assertEqual(found, [cs.Skip("ReportBrowser.RendersPng", "chromium is not installed")])

    def test_an_unlisted_skip_fails_and_is_named(self) -> None:
        rc, err = self.run_main(
            "pytest", self.write("p.xml", PYTEST_XML), "pytest tests.test_asr::* | no model in CI\n"
        )
        self.assertEqual(rc, 1)
        self.assertIn("NOT ALLOWED): tests.test_contract::test_vectors_current: repository layout", err)
        self.assertIn("(allowed): tests.test_asr::test_model[tiny]: no model", err)

    def test_all_listed_passes_and_the_suite_must_match(self) -> None:
        allow = "# comment\n\npytest tests.test_contract::test_vectors_current | layout\npytest tests.test_asr::* | m\n"
        self.assertEqual(self.run_main("pytest", self.write("p.xml", PYTEST_XML), allow)[0], 0)
        ctest_allow = allow.replace("pytest ", "ctest ")
        self.assertEqual(self.run_main("pytest", self.write("p.xml", PYTEST_XML), ctest_allow)[0], 1)

    def test_no_skips_passes_with_an_empty_list(self) -> None:
        ran = CTEST_XML.replace("<skipped", "<x").replace('status="notrun"', 'status="run"')
        self.assertEqual(self.run_main("ctest", self.write("c.xml", ran), "")[0], 0)

    def test_missing_junit_fails(self) -> None:
        self.assertEqual(self.run_main("pytest", self.dir / "absent.xml", "")[0], 1)

    def test_an_entry_without_a_reason_is_refused(self) -> None:
        for bad in ("pytest tests.x::y\n", "pytest tests.x::y |  \n", "tests.x::y | why\n"):
            with self.assertRaises(ValueError, msg=bad):
                cs.read_allow_list(self.write("allow.txt", bad))

    def test_the_projects_allow_list_parses_and_gives_reasons(self) -> None:
        for entry in cs.read_allow_list(ROOT / ".ci/allowed-skips.txt"):
            self.assertIn(entry.suite, ("pytest", "ctest"))
            self.assertTrue(entry.reason)


if __name__ == "__main__":
    unittest.main()
