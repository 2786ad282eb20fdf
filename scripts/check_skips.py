#!/usr/bin/env python3
"""Fails on any skipped test that the allow-list does not name: no silent skip in CI.

    check_skips.py --allow .ci/allowed-skips.txt --suite pytest|ctest JUNIT.xml

JUNIT.xml is pytest's --junitxml or ctest's --output-junit. Every skip is printed with its reason. The
allow-list has one skip a line, `<suite> <test id glob> | <reason>`; the reason is required; lines
starting with # are comments. A test id is `<classname>::<name>` as the JUnit file names it
(pytest: tests.test_x::test_y), or the name alone for ctest (e.g. ReportBrowser.RendersPng). Standard library only."""

from __future__ import annotations

import argparse
import fnmatch
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Allowed:
    suite: str
    pattern: str
    reason: str


@dataclass(frozen=True)
class Skip:
    test_id: str
    reason: str


def read_allow_list(path: Path) -> list[Allowed]:
    out = []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, reason = line.partition("|")
        fields = head.split()
        if not sep or not reason.strip() or len(fields) != 2:
            raise ValueError(f"{path}:{n}: want '<suite> <test id glob> | <reason>', got: {raw}")
        out.append(Allowed(fields[0], fields[1], reason.strip()))
    return out


def _gtest_reason(output: str) -> str:
    """GTEST_SKIP's message from a test's output ("<file>:<line>: Skipped" then the message), or ""."""
    lines = output.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.endswith(": Skipped") and lines[i + 1].strip():
            return lines[i + 1].strip()
    return ""


def skips(junit: Path) -> list[Skip]:
    """Skipped test cases: a <skipped> child (pytest, ctest) or ctest's status="notrun"."""
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        name, cls = case.get("name", ""), case.get("classname", "")
        test_id = name if cls in ("", name) else f"{cls}::{name}"
        skipped = case.find("skipped")
        if skipped is not None:
            reason = (skipped.get("message") or skipped.text or "").strip()
            out.append(Skip(test_id, _gtest_reason(case.findtext("system-out") or "") or reason))
        elif case.get("status") in ("notrun", "disabled"):
            out.append(Skip(test_id, f"status {case.get('status')}"))
    return out


def unlisted(found: list[Skip], allowed: list[Allowed], suite: str) -> list[Skip]:
    mine = [a for a in allowed if a.suite == suite]
    return [s for s in found if not any(fnmatch.fnmatchcase(s.test_id, a.pattern) for a in mine)]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--allow", type=Path, required=True)
    ap.add_argument("--suite", required=True, choices=["pytest", "ctest"])
    ap.add_argument("junit", type=Path)
    args = ap.parse_args(argv[1:])
    if not args.junit.is_file():
        print(f"check_skips: no JUnit file {args.junit} (did the {args.suite} run write it?)", file=sys.stderr)
        return 1
    found = skips(args.junit)
    bad = unlisted(found, read_allow_list(args.allow), args.suite)
    for s in found:
        mark = "NOT ALLOWED" if s in bad else "allowed"
        print(f"{args.suite} skip ({mark}): {s.test_id}: {s.reason}", file=sys.stderr)
    if bad:
        hint = "fix them or list them there with the reason"
        print(f"check_skips: {len(bad)} {args.suite} skip(s) not in {args.allow}; {hint}", file=sys.stderr)
        return 1
    print(f"check_skips: {args.suite}: {len(found)} skipped, all listed in {args.allow}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
