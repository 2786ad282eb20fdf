#!/usr/bin/env python3
"""Checks the reports of a `dubctl run` with parsers that are not dubctl's own.

    scripts/python-tools python scripts/check_reports.py --junit junit.xml --json report.json \
        [--html report.html] [--schema docs/report.schema.json] [--expect NAME=STATUS]... [--absent TEXT]...
        [--artifacts DIR]... [--secrets-of SCENARIOS]...

junit.xml is read with junitparser: every suite has a timestamp and a hostname, its counts match its
cases, a failed case carries its reason in the `message` attribute and its step log in system-out,
a skipped one its reason, and every [[ATTACHMENT|path]] line names a file that exists. report.json
must follow the JSON Schema (jsonschema, draft 2020-12) and agree with junit.xml: the same cases with
the same status and reason, the same counts, host and start time. --expect NAME=STATUS (passed,
failed, skipped) requires a case; --absent TEXT requires that no report holds TEXT (a secret).
--artifacts DIR adds every file under DIR (the run's artifacts: saved container logs, recordings, WAVs,
JSON) to the files that must hold no such text. --secrets-of SCENARIOS (a scenario file or a folder of
them) adds the value of every secret variable their stacks set (STS_AUTH_TOKEN, a name ending in
_TOKEN, _SECRET or _PASSWORD, or one listed under `secrets:`, as dubctl's redact.cpp decides), raw and
XML-escaped; a file holding one is named with the variable, never the value.
Prints every problem as `FILE: problem` and exits 1 when there is one; 0 and one line when none."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import junitparser
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
ATTACHMENT = re.compile(r"^\[\[ATTACHMENT\|(.+)\]\]$", re.MULTILINE)


def case_status(case: junitparser.TestCase) -> str:
    if case.is_failure or case.is_error:
        return "failed"
    return "skipped" if case.is_skipped else "passed"


def case_reason(case: junitparser.TestCase) -> str:
    """The full reason: a failure's text (the message attribute is its one-line form), a skip's message."""
    for result in case.result:
        if isinstance(result, junitparser.Skipped):
            return result.message or ""
        return result.text or ""
    return ""


def check_case(case: junitparser.TestCase, problems: list[str]) -> None:
    status = case_status(case)
    if status == "failed":
        failure = case.result[0]
        if not (failure.message or "").strip():
            problems.append(f"case {case.name}: <failure> without a message attribute")
        if not (case.system_out or "").strip():
            problems.append(f"case {case.name}: failed without a step log in <system-out>")
    if status == "skipped" and not case_reason(case).strip():
        problems.append(f"case {case.name}: <skipped> without a reason")
    for path in ATTACHMENT.findall(case.system_out or ""):
        if not Path(path).is_file():
            problems.append(f"case {case.name}: attachment {path} is not a file")


def read_junit(path: Path, problems: list[str]) -> tuple[list[junitparser.TestSuite], dict[str, tuple[str, str]]]:
    """The suites, and every case as name -> (status, reason)."""
    try:
        xml = junitparser.JUnitXml.fromfile(str(path))
    except Exception as e:  # junitparser raises the XML parser's own errors
        problems.append(f"not JUnit XML: {e}")
        return [], {}
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    if not suites:
        problems.append("no <testsuite>")
    cases: dict[str, tuple[str, str]] = {}
    for suite in suites:
        if not TIMESTAMP.match(suite.timestamp or ""):
            problems.append(f"suite {suite.name}: timestamp {suite.timestamp!r} is not ISO 8601")
        if not (suite.hostname or "").strip():
            problems.append(f"suite {suite.name}: no hostname")
        listed = list(suite)
        counted = {s: sum(case_status(c) == s for c in listed) for s in ("failed", "skipped")}
        if (suite.tests, suite.failures, suite.skipped) != (len(listed), counted["failed"], counted["skipped"]):
            problems.append(
                f"suite {suite.name}: tests/failures/skipped say {suite.tests}/{suite.failures}/{suite.skipped}, "
                f"its cases {len(listed)}/{counted['failed']}/{counted['skipped']}"
            )
        for case in listed:
            check_case(case, problems)
            cases[case.name] = (case_status(case), case_reason(case))
    return suites, cases


def read_json(path: Path, schema: Path, problems: list[str]) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        problems.append(f"not JSON: {e}")
        return None
    validator = Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        problems.append(f"{where}: {e.message} (schema {schema.name})")
    return None if errors else doc


def compare(doc: dict, suites: list, cases: dict[str, tuple[str, str]], problems: list[str]) -> None:
    """report.json against junit.xml: the same run seen twice."""
    scenarios = {s["name"]: (s["status"], s["message"]) for s in doc["scenarios"]}
    for name in sorted(scenarios.keys() | cases.keys()):
        if scenarios.get(name) != cases.get(name):
            problems.append(f"case {name}: JSON says {scenarios.get(name)}, JUnit {cases.get(name)}")
    summary = doc["summary"]
    statuses = [status for status, _ in cases.values()]
    junit_counts = [len(statuses), statuses.count("passed"), statuses.count("failed"), statuses.count("skipped")]
    json_counts = [summary[k] for k in ("tests", "passed", "failed", "skipped")]
    if json_counts != junit_counts:
        problems.append(f"summary tests/passed/failed/skipped {json_counts}, JUnit {junit_counts}")
    # One suite per run: a merged report (`dubctl merge`) holds one per run and names the first run's.
    run = (doc["run"]["hostname"], doc["run"]["timestamp"])
    if run not in [(suite.hostname, suite.timestamp) for suite in suites]:
        problems.append(
            f"run host/timestamp {run[0]}/{run[1]}, JUnit "
            + ", ".join(f"{suite.hostname}/{suite.timestamp}" for suite in suites)
        )


def is_secret_name(name: str, declared: set[str]) -> bool:
    """dubctl's rule (src/dubctl/redact.cpp): declared, STS_AUTH_TOKEN, or a secret-sounding suffix."""
    upper = name.upper()
    return name in declared or upper == "STS_AUTH_TOKEN" or upper.endswith(("_TOKEN", "_SECRET", "_PASSWORD"))


def scenario_secrets(paths: list[Path]) -> list[tuple[str, str]]:
    """(label, value) of every secret variable the scenarios' stacks set; values shorter than 4
    characters are left out, as dubctl does not mask them either."""
    found = []
    for path in paths:
        for file in sorted(path.glob("*.yaml")) if path.is_dir() else [path]:
            doc = YAML(typ="safe").load(file.read_text(encoding="utf-8")) or {}
            declared = set(doc.get("secrets") or [])
            for stack, use in (doc.get("stacks") or {}).items():
                for name, value in ((use or {}).get("env") or {}).items():
                    if is_secret_name(str(name), declared) and len(str(value)) >= 4:
                        found.append((f"the value of {name} (stacks.{stack}.env in {file})", str(value)))
    return found


def files_under(dirs: list[Path]) -> list[Path]:
    return [f for d in dirs for f in sorted(d.rglob("*")) if f.is_file()]


def check_expectations(args: argparse.Namespace, cases: dict[str, tuple[str, str]], files: list[Path]) -> list[str]:
    problems = []
    for expected in args.expect:
        name, _, status = expected.partition("=")
        found = cases.get(name, ("missing", ""))[0]
        if found != status:
            problems.append(f"case {name}: expected {status}, found {found}")
    absent = [(repr(text), text) for text in args.absent] + scenario_secrets(args.secrets_of)
    for f in files:
        data = f.read_bytes() if f.is_file() else b""
        for label, text in absent:
            if any(form.encode() in data for form in {text, escape(text, {'"': "&quot;"})}):
                problems.append(f"{f}: holds {label}")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junit", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--html", type=Path, help="must exist (and hold no --absent TEXT)")
    parser.add_argument("--schema", type=Path, default=ROOT / "docs" / "report.schema.json")
    parser.add_argument("--expect", action="append", default=[], metavar="NAME=STATUS")
    parser.add_argument("--absent", action="append", default=[], metavar="TEXT")
    parser.add_argument("--artifacts", action="append", default=[], type=Path, metavar="DIR")
    parser.add_argument("--secrets-of", action="append", default=[], type=Path, metavar="SCENARIOS")
    args = parser.parse_args(argv)

    junit_problems: list[str] = []
    json_problems: list[str] = []
    suites, cases = read_junit(args.junit, junit_problems)
    doc = read_json(args.json, args.schema, json_problems)
    if doc is not None and not junit_problems:
        compare(doc, suites, cases, json_problems)
    problems = [f"{args.junit}: {p}" for p in junit_problems] + [f"{args.json}: {p}" for p in json_problems]
    if args.html is not None and not args.html.is_file():
        problems.append(f"{args.html}: not written")
    files = [args.junit, args.json] + ([args.html] if args.html else []) + files_under(args.artifacts)
    problems += check_expectations(args, cases, files)
    for p in problems:
        print(f"check_reports: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"reports ok: {len(cases)} cases agree in {args.junit} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
