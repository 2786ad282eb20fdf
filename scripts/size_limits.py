#!/usr/bin/env python3
"""The project's size limits, checked by scripts/lint (standard library + the lizard CLI).

The rule, stated once:
  * no source file over MAX_FILE_LINES lines. Source = C++ (.cpp .hpp .h .cc), Python (.py and
    extension-less files with a python shebang) and shell (.sh and extension-less files with a
    sh/bash shebang), tracked or new (git ls-files -co --exclude-standard). Data is never source:
    fixtures/, JSON/YAML vectors, images, lock files, Markdown.
  * no C++ or Python function over MAX_FUNCTION_LINES lines, as lizard measures "length": every
    line from the one holding the function's name (a template<> or return-type line above it is
    not counted) to its closing brace or last body line, blank lines and comments included;
    lambdas and nested functions count toward the function that contains them too.

    size_limits.py [--lizard PATH] [FILE...]   check FILE... (default: the project's source files)
    size_limits.py --self-test [--lizard PATH] check the checker on tiny bad samples
    size_limits.py --list cpp|python|shell     the project's source files of one language (for scripts/lint)
Exit 1 when something is over a limit (each offender on one line, with how to fix it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80

CXX_SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
PY_SUFFIXES = (".py",)
SH_SUFFIXES = (".sh", ".bash")
DATA_DIRS = ("fixtures/",)
_SHEBANG = re.compile(r"^#!\s*(?:/usr/bin/env\s+(?:-S\s+)?)?(?:\S*/)?(python3?|bash|sh)\b")

FILE_HINT = "split it into parts with one responsibility each (sourced parts or helpers for scripts)"
FUNCTION_HINT = "extract named helpers for its steps"


@dataclass(frozen=True)
class Offender:
    path: str
    line: int
    what: str
    size: int
    limit: int
    hint: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.what} has {self.size} lines (limit {self.limit}): {self.hint}"


def language(path: Path) -> str | None:
    """'cpp', 'python', 'shell' or None (not source)."""
    name = path.as_posix()
    if name.startswith(DATA_DIRS):
        return None
    if path.suffix in CXX_SUFFIXES:
        return "cpp"
    if path.suffix in PY_SUFFIXES:
        return "python"
    if path.suffix in SH_SUFFIXES:
        return "shell"
    if path.suffix:
        return None
    try:
        with path.open("rb") as f:
            first = f.readline(200).decode("utf-8", "replace")
    except OSError:
        return None
    m = _SHEBANG.match(first)
    if not m:
        return None
    return "python" if m.group(1).startswith("python") else "shell"


def count_lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def project_files(root: Path) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    return [Path(p) for p in out.split("\0") if p and (root / p).is_file()]


def long_files(files: list[Path]) -> list[Offender]:
    out = []
    for f in files:
        n = count_lines(f)
        if n > MAX_FILE_LINES:
            out.append(Offender(f.as_posix(), 0, "file", n, MAX_FILE_LINES, FILE_HINT))
    return out


# "src/a.cpp:12: warning: ns::f has 81 NLOC, 1 CCN, 395 token, 1 PARAM, 81 length, 0 ND"
_LIZARD_WARNING = re.compile(r"^(.*?):(\d+): warning: (.+?) has .*?\b(\d+) length\b")


def long_functions(files: list[Path], lizard: str) -> list[Offender]:
    """Runs lizard on the C++ and Python files; extension-less Python scripts are linked under a
    .py name first (lizard picks the language by suffix) and reported under their own name."""
    measured = [f for f in files if language(f) in ("cpp", "python")]
    if not measured:
        return []
    with tempfile.TemporaryDirectory(prefix="size-limits.") as tmp:
        alias: dict[str, str] = {}
        args = []
        for i, f in enumerate(measured):
            if f.suffix:
                args.append(f.as_posix())
                continue
            link = Path(tmp) / f"{i}-{f.name}.py"
            link.symlink_to(f.resolve())
            alias[link.as_posix()] = f.as_posix()
            args.append(link.as_posix())
        cmd = [lizard, "-l", "cpp", "-l", "python", "-C", "100000", "-a", "100000"]
        cmd += ["-L", str(MAX_FUNCTION_LINES), "-w", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode not in (0, 1) or res.stderr.strip():
        raise RuntimeError(f"lizard failed (exit {res.returncode}): {res.stderr.strip()}")
    out = []
    for line in res.stdout.splitlines():
        m = _LIZARD_WARNING.match(line)
        if m and int(m.group(4)) > MAX_FUNCTION_LINES:
            path = alias.get(m.group(1), m.group(1))
            what = f"function {m.group(3)}"
            out.append(Offender(path, int(m.group(2)), what, int(m.group(4)), MAX_FUNCTION_LINES, FUNCTION_HINT))
    return out


def find_lizard(given: str | None) -> str:
    for cand in (given, os.environ.get("LIZARD"), shutil.which("lizard"), str(Path(sys.executable).parent / "lizard")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    raise RuntimeError("no lizard: pass --lizard PATH (scripts/python-tools lizard installs the pinned one)")


def check(files: list[Path], lizard: str) -> list[Offender]:
    source = [f for f in files if language(f)]
    return long_files(source) + long_functions(source, lizard)


def _samples(d: Path) -> dict[str, Path]:
    """Tiny files, each just over (or exactly at) a limit."""
    n = MAX_FUNCTION_LINES
    body_py = "".join(f"    x{i} = {i}\n" for i in range(n - 2))
    body_cc = "".join(f"  int x{i} = {i};\n" for i in range(n - 4))
    files = {
        "ok.py": f"def at_limit():\n{body_py}    return 0\n",  # exactly MAX_FUNCTION_LINES
        "long.py": f"def too_long():\n{body_py}    x = 1\n    return x\n",
        "script": f"#!/usr/bin/env python3\ndef too_long_script():\n{body_py}    x = 1\n    return x\n",
        "long.cpp": f"template <typename T>\nint\ntoo_long(T)\n{{\n{body_cc}  int y = 0;\n  return y;\n}}\n",
        "lambda.cpp": f"int outer() {{\n  auto l = [] {{\n{body_cc}    return 1;\n  }};\n  return l();\n}}\n",
        "big.sh": "#!/usr/bin/env bash\n" + "true\n" * MAX_FILE_LINES,
        "data.json": "{}\n" * (MAX_FILE_LINES + 1),
        "fixtures/big.py": "x = 1\n" * (MAX_FILE_LINES + 1),
    }
    out = {}
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text)
        out[name] = Path(name)
    return out


def self_test(lizard: str) -> list[str]:
    """Problems found in the checker itself (empty when it works)."""
    with tempfile.TemporaryDirectory(prefix="size-limits-test.") as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            got = {(o.path, o.what, o.size) for o in check(list(_samples(Path(tmp)).values()), lizard)}
        finally:
            os.chdir(cwd)
    want = {
        ("long.py", "function too_long", MAX_FUNCTION_LINES + 1),
        ("script", "function too_long_script", MAX_FUNCTION_LINES + 1),
        ("long.cpp", "function too_long", MAX_FUNCTION_LINES + 1),
        ("lambda.cpp", "function outer", MAX_FUNCTION_LINES + 2),  # the lambda's lines count too
        ("big.sh", "file", MAX_FILE_LINES + 1),
    }
    return [f"missed: {w}" for w in sorted(want - got)] + [f"wrongly flagged: {g}" for g in sorted(got - want)]


def main(argv: list[str]) -> int:
    args = argv[1:]
    lizard_arg = None
    if "--lizard" in args:
        i = args.index("--lizard")
        if i + 1 >= len(args):
            print("size_limits: --lizard needs a path", file=sys.stderr)
            return 2
        lizard_arg = args[i + 1]
        del args[i : i + 2]
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if len(args) == 2 and args[0] == "--list":
        root = Path(__file__).resolve().parent.parent
        os.chdir(root)
        for f in project_files(root):
            if language(f) == args[1]:
                print(f.as_posix())
        return 0
    try:
        lizard = find_lizard(lizard_arg)
        if args == ["--self-test"]:
            problems = self_test(lizard)
            for p in problems:
                print(f"size_limits self-test: {p}", file=sys.stderr)
            return 1 if problems else 0
        root = Path(__file__).resolve().parent.parent
        files = [Path(a) for a in args] if args else project_files(root)
        if not args:
            os.chdir(root)
        offenders = check(files, lizard)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print(f"size_limits: {e}", file=sys.stderr)
        return 2
    for o in offenders:
        print(o)
    if offenders:
        print(
            f"size_limits: {len(offenders)} over the limits ({MAX_FILE_LINES} lines a file, "
            f"{MAX_FUNCTION_LINES} a function)",
            file=sys.stderr,
        )
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
