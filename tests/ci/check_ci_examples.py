"""The example CI files in docs/ci/ (issue 17 item 9) are valid and match what scripts/test-all writes.

1. Each file validates against the schema its CI system publishes (SchemaStore's, vendored by the
   PyPI package check-jsonschema), and a copy broken on purpose does not: the check can fail.
2. Each runs scripts/test-all, and publishes as JUnit every JUnit file test-all writes.
3. The sharded examples (issue 16) validate too, run `dubctl run scenarios/ ... --shard I/N` and
   publish each shard's junit.xml.

Usage: python tests/ci/check_ci_examples.py [project root]     (exit 1 naming each problem)
"""

import fnmatch
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ruamel.yaml import YAML  # check-jsonschema's own YAML reader

EXAMPLES = {"github-actions.yml": "vendor.github-workflows", "gitlab-ci.yml": "vendor.gitlab-ci"}
SHARDED = {"github-actions-sharded.yml": "vendor.github-workflows", "gitlab-ci-sharded.yml": "vendor.gitlab-ci"}


def schema_problems(path: Path, schema: str) -> str:
    """'' when `path` validates against the built-in `schema`, else check-jsonschema's output."""
    run = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if run.returncode == 0 else (run.stdout + run.stderr).strip()


def junit_files_written(test_all: str) -> list[str]:
    """The JUnit files scripts/test-all writes, relative to the root, one per compose tool it loops over."""
    tools = re.search(r"DUB_COMPOSE_TOOLS:-([^}]*)\}", test_all)
    names = []
    for path in re.findall(r"\$root/(out/[\w./$-]+\.xml)", test_all):
        names += [path.replace("$tool", t) for t in tools.group(1).split()] if "$tool" in path else [path]
    # The STS pytest writes /junit/<name> inside its container, /junit being $root/<folder> on the host.
    folder = re.search(r"junit=\$root/(out/[\w/-]+)", test_all)
    names += [f"{folder.group(1)}/{n}" for n in re.findall(r"--junitxml=/junit/([\w.-]+\.xml)", test_all)]
    return sorted(set(names))


def junit_globs(doc: dict) -> list[str]:
    """The JUnit paths an example publishes: GitLab's reports:junit, the GitHub action's report_paths."""
    found = []
    for job in doc.values():
        if isinstance(job, dict) and "artifacts" in job:
            found += job["artifacts"].get("reports", {}).get("junit", [])
    for job in doc.get("jobs", {}).values():
        for step in job.get("steps", []):
            found += str(step.get("with", {}).get("report_paths", "")).split()
    return found


def check(root: Path) -> list[str]:
    problems = []
    written = junit_files_written((root / "scripts/test-all").read_text())
    if not written:
        problems.append("scripts/test-all: no JUnit file found (the parsing here is out of date)")
    for name, schema in EXAMPLES.items():
        path = root / "docs/ci" / name
        text = path.read_text()
        if err := schema_problems(path, schema):
            problems.append(f"{path}: not valid against {schema}:\n{err}")
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as broken:
            broken.write(
                text + "\nbroken_on_purpose: 1\n" if "gitlab" in name else text.replace("runs-on:", "runs_on:")
            )
            broken.flush()
            if not schema_problems(Path(broken.name), schema):
                problems.append(f"{path}: a copy broken on purpose still validates: the schema check is blind")
        if "scripts/test-all" not in text:
            problems.append(f"{path}: does not run scripts/test-all (the README's test command)")
        globs = junit_globs(YAML(typ="safe").load(text))
        for junit in written:
            if not any(fnmatch.fnmatch(junit, g) for g in globs):
                problems.append(f"{path}: does not publish {junit}, which scripts/test-all writes (has: {globs})")
    return problems


def check_sharded(root: Path) -> list[str]:
    problems = []
    for name, schema in SHARDED.items():
        path = root / "docs/ci" / name
        text = path.read_text()
        if err := schema_problems(path, schema):
            problems.append(f"{path}: not valid against {schema}:\n{err}")
        if not re.search(r"build/dubctl run scenarios/ .*--shard .+/", text):
            problems.append(f"{path}: does not run `build/dubctl run scenarios/ ... --shard I/N`")
        globs = junit_globs(YAML(typ="safe").load(text))
        if not any("shard-" in g and g.endswith("/junit.xml") for g in globs):
            problems.append(f"{path}: does not publish each shard's junit.xml (has: {globs})")
    return problems


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
    problems = check(root) + check_sharded(root)
    for p in problems:
        print(f"FAIL {p}")
    if not problems:
        print(
            f"ok: {', '.join(EXAMPLES)} valid, run scripts/test-all and publish its JUnit files; "
            f"{', '.join(SHARDED)} valid, run dubctl run --shard and publish each shard's JUnit"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
