"""Unit tests of scripts/tidy_cache.py (scripts/lint's clang-tidy with a cache of clean results), with a
fake clang-tidy that reports a finding in every file containing BAD and logs each file it checks."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import tidy_cache as tc

FAKE_TIDY = """#!/bin/sh
if [ "$1" = --version ]; then echo "fake clang-tidy ${FAKE_VERSION:-1}"; exit 0; fi
for f; do :; done
echo "$f" >>"$TIDY_CALLS"
if grep -q BAD "$f"; then echo "$f:1:1: warning: bad thing [bugprone-fake]"; exit 1; fi
exit 0
"""


class TidyCache(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.cwd = os.getcwd()
        self.base = Path(self.tmp.name)
        self.calls = self.base / "calls.log"
        os.environ["TIDY_CALLS"] = str(self.calls)
        os.environ.pop("FAKE_VERSION", None)
        self.tidy = self.base / "clang-tidy"
        self.tidy.write_text(FAKE_TIDY)
        self.tidy.chmod(0o755)
        self.cache = self.base / "cache"
        self.root = self.make_tree(self.base / "clone1")

    def tearDown(self) -> None:
        os.chdir(self.cwd)
        self.tmp.cleanup()

    def make_tree(self, root: Path) -> Path:
        (root / "src").mkdir(parents=True)
        (root / "build").mkdir()
        (root / ".clang-tidy").write_text("Checks: bugprone-*\n")
        (root / "src/a.hpp").write_text("int a();\n")
        (root / "src/a.cpp").write_text('#include "a.hpp"\nint a() { return 1; }\n')
        (root / "src/b.cpp").write_text("int b() { return 2; }\n")
        self.write_db(root, "-O2")
        return root

    def write_db(self, root: Path, flags: str) -> None:
        db = [
            {
                "directory": f"{root}/build",
                "command": f"c++ -I{root}/src {flags} -c {root}/src/{u}",
                "file": f"{root}/src/{u}",
            }
            for u in ("a.cpp", "b.cpp")
        ]
        (root / "build/compile_commands.json").write_text(json.dumps(db))

    def run_lint(self, root: Path | None = None) -> tuple[int, int, list[str], list[str]]:
        """(checked, from cache, findings, files clang-tidy really ran on)."""
        root = root or self.root
        os.chdir(root)
        self.calls.write_text("")
        ns = argparse.Namespace(build=root / "build", cache=self.cache, jobs=2, clang_tidy=str(self.tidy),
                                files=["src/a.hpp", "src/a.cpp", "src/b.cpp"])  # fmt: skip
        checked, cached, findings = tc.check(ns)
        return checked, cached, findings, sorted(self.calls.read_text().split())

    def test_second_run_comes_from_the_cache(self) -> None:
        self.assertEqual(self.run_lint(), (2, 0, [], ["src/a.cpp", "src/b.cpp"]))
        self.assertEqual(self.run_lint(), (2, 2, [], []))

    def test_changing_a_header_rechecks_only_the_units_including_it(self) -> None:
        self.run_lint()
        (self.root / "src/a.hpp").write_text("int a();\nint a2();\n")
        self.assertEqual(self.run_lint(), (2, 1, [], ["src/a.cpp"]))

    def test_a_header_included_through_another_or_an_include_folder_counts(self) -> None:
        inc = self.root / "include/dub"
        inc.mkdir(parents=True)
        (inc / "deep.hpp").write_text("int deep();\n")
        (self.root / "src/a.hpp").write_text("#pragma once\n  #  include <dub/deep.hpp>\nint a();\n")
        self.write_db(self.root, f"-I{self.root}/include")
        self.run_lint()
        (inc / "deep.hpp").write_text("int deep();\nint deeper();\n")
        self.assertEqual(self.run_lint(), (2, 1, [], ["src/a.cpp"]))
        (self.root / "src/unused.hpp").write_text("int nobody();\n")  # included by no unit
        self.assertEqual(self.run_lint(), (2, 2, [], []))

    def test_a_generated_header_in_the_build_tree_counts(self) -> None:
        gen = self.root / "build/gen"
        gen.mkdir()
        (gen / "version.hpp").write_text("#define V 1\n")
        (self.root / "src/b.cpp").write_text('#include "version.hpp"\nint b() { return V; }\n')
        self.write_db(self.root, "-I gen")  # relative to the entry's directory (build)
        self.run_lint()
        (gen / "version.hpp").write_text("#define V 2\n")
        self.assertEqual(self.run_lint(), (2, 1, [], ["src/b.cpp"]))

    def test_changing_a_unit_rechecks_only_that_unit(self) -> None:
        self.run_lint()
        (self.root / "src/b.cpp").write_text("int b() { return 3; }\n")
        self.assertEqual(self.run_lint(), (2, 1, [], ["src/b.cpp"]))

    def test_a_finding_fails_every_time_and_is_never_cached(self) -> None:
        self.run_lint()
        (self.root / "src/b.cpp").write_text("int b() { return 2; } // BAD\n")
        for _ in range(2):
            checked, cached, findings, ran = self.run_lint()
            self.assertEqual((checked, cached, ran), (2, 1, ["src/b.cpp"]))
            self.assertEqual(len(findings), 1)
            self.assertIn("warning: bad thing", findings[0])

    def test_flags_config_and_tool_version_are_part_of_the_key(self) -> None:
        self.run_lint()
        self.write_db(self.root, "-O0")
        self.assertEqual(self.run_lint()[:2], (2, 0))
        (self.root / ".clang-tidy").write_text("Checks: performance-*\n")
        self.assertEqual(self.run_lint()[:2], (2, 0))
        os.environ["FAKE_VERSION"] = "2"
        self.assertEqual(self.run_lint()[:2], (2, 0))

    def test_a_clone_at_another_path_shares_the_cache(self) -> None:
        self.run_lint()
        other = self.base / "elsewhere/clone2"
        shutil.copytree(self.root, other)
        self.write_db(other, "-O2")
        self.assertEqual(self.run_lint(other), (2, 2, [], []))

    def test_main_prints_the_counts_and_fails_on_findings(self) -> None:
        (self.root / "src/a.cpp").write_text("int a() { return 1; } // BAD\n")
        os.chdir(self.root)
        argv = ["tidy_cache.py", "--build", "build", "--cache", str(self.cache), "--clang-tidy", str(self.tidy)]
        log = self.base / "tidy.log"
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = tc.main([*argv, "--log", str(log), "src/a.hpp", "src/a.cpp", "src/b.cpp"])
        self.assertIn("clang-tidy: 2 files checked, 0 from cache, 1 with findings", err.getvalue())
        self.assertEqual(rc, 1)
        self.assertIn("src/a.cpp:1:1: warning: bad thing", log.read_text())


if __name__ == "__main__":
    unittest.main()
