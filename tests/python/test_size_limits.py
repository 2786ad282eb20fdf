"""Unit tests of scripts/size_limits.py (the size rule scripts/lint enforces). The function-length
part needs lizard: $LIZARD, else the tools venv's (scripts/python-tools lizard, which creates the venv
on first use). Without lizard those tests fail; they never skip, so CI cannot pass them silently."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import size_limits as sl

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def _lizard() -> str:
    given = os.environ.get("LIZARD")
    if given:
        return given
    res = subprocess.run([str(ROOT / "scripts/python-tools"), "lizard"], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"no lizard (scripts/python-tools lizard failed): {res.stderr.strip()}")
    return res.stdout.strip()


class InTempDir(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.cwd = os.getcwd()
        os.chdir(self.tmp.name)

    def tearDown(self) -> None:
        os.chdir(self.cwd)
        self.tmp.cleanup()

    def write(self, name: str, text: str) -> Path:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text)
        return Path(name)


class Files(InTempDir):
    def test_language_by_suffix_and_shebang(self) -> None:
        self.assertEqual(sl.language(self.write("a.cpp", "")), "cpp")
        self.assertEqual(sl.language(self.write("a.hpp", "")), "cpp")
        self.assertEqual(sl.language(self.write("a.py", "")), "python")
        self.assertEqual(sl.language(self.write("run", "#!/usr/bin/env bash\n")), "shell")
        self.assertEqual(sl.language(self.write("tool", "#!/usr/bin/env python3\n")), "python")
        self.assertEqual(sl.language(self.write("plain", "#!/bin/sh\n")), "shell")
        self.assertIsNone(sl.language(self.write("Dockerfile", "FROM x\n")))
        self.assertIsNone(sl.language(self.write("a.json", "{}\n")))
        self.assertIsNone(sl.language(self.write("a.md", "# x\n")))
        self.assertIsNone(sl.language(self.write("fixtures/gen.py", "")))  # data folder

    def test_count_lines_like_wc_plus_an_unterminated_last_line(self) -> None:
        self.assertEqual(sl.count_lines(self.write("a", "")), 0)
        self.assertEqual(sl.count_lines(self.write("b", "x\ny\n")), 2)
        self.assertEqual(sl.count_lines(self.write("c", "x\ny")), 2)
        self.assertEqual(sl.count_lines(self.write("d", "\n\n\n")), 3)

    def test_long_file_is_reported_at_limit_plus_one(self) -> None:
        at = self.write("at.sh", "true\n" * sl.MAX_FILE_LINES)
        over = self.write("over.py", "x = 1\n" * (sl.MAX_FILE_LINES + 1))
        found = sl.long_files([at, over])
        self.assertEqual([(o.path, o.size) for o in found], [("over.py", sl.MAX_FILE_LINES + 1)])
        text = str(found[0])
        self.assertIn(f"limit {sl.MAX_FILE_LINES}", text)
        self.assertIn(sl.FILE_HINT, text)

    def test_offender_line(self) -> None:
        o = sl.Offender("src/a.cpp", 12, "function f", 90, 80, "do this")
        self.assertEqual(str(o), "src/a.cpp:12: function f has 90 lines (limit 80): do this")


class Functions(InTempDir):
    def test_self_test_passes(self) -> None:
        self.assertEqual(sl.self_test(str(_lizard())), [])

    def test_long_python_and_cpp_functions_fail_main(self) -> None:
        body = "".join(f"    x{i} = {i}\n" for i in range(sl.MAX_FUNCTION_LINES))
        self.write("a.py", f"def short():\n    return 1\n\n\ndef long_one():\n{body}    return 0\n")
        cc = "".join(f"  int x{i} = {i};\n" for i in range(sl.MAX_FUNCTION_LINES))
        self.write("b.cpp", f"int ok() {{ return 1; }}\nint long_one() {{\n{cc}  return 0;\n}}\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            rc = sl.main(["size_limits.py", "--lizard", str(_lizard()), "a.py", "b.cpp"])
        self.assertEqual(rc, 1)
        lines = out.getvalue().splitlines()
        want_py = f"a.py:5: function long_one has {sl.MAX_FUNCTION_LINES + 2} lines"
        want_cc = f"b.cpp:2: function long_one has {sl.MAX_FUNCTION_LINES + 3} lines"
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[0].startswith(want_py), lines)
        self.assertTrue(lines[1].startswith(want_cc), lines)

    def test_clean_files_pass(self) -> None:
        self.write("a.py", "def f():\n    return 1\n")
        with contextlib.redirect_stdout(io.StringIO()) as out:
            rc = sl.main(["size_limits.py", "--lizard", str(_lizard()), "a.py"])
        self.assertEqual((rc, out.getvalue()), (0, ""))


if __name__ == "__main__":
    unittest.main()
