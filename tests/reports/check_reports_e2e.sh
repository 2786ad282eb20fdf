#!/usr/bin/env bash
# dubctl's reports read by parsers that are not ours (scripts/check_reports.py: junitparser and
# jsonschema against docs/report.schema.json). The real dubctl binary runs, without Docker, a
# temporary project of three scenarios: one whose fixture is missing (a skipped case), one whose wait
# fails with a secret in its URL (a failed case; the secret must be in no report), one whose only step
# is `skip:` (passed).
#   check_reports_e2e.sh DUBCTL good     the reports go where --report-junit/--report-html/--report-json
#                                        say and pass the checker; --junit alone (the old name) and the
#                                        defaults in the artifacts folder still work; two shards
#                                        (--shard I/2) merged by `dubctl merge` pass it as one run
#   check_reports_e2e.sh DUBCTL broken   the checker fails, saying why, on a truncated junit.xml, a
#                                        report.json that breaks the schema and one that contradicts
#                                        junit.xml; and on a scenario's token left in a report (a run
#                                        with redaction off for it) or in a saved container log, naming
#                                        the file and the variable, never the value
set -euo pipefail
dubctl=${1:?usage: check_reports_e2e.sh DUBCTL good|broken}
mode=${2:?usage: check_reports_e2e.sh DUBCTL good|broken}
root=$(cd "$(dirname "$0")/../.." && pwd)
python=$("$root/scripts/python-tools" python)
work=$(mktemp -d /tmp/dubctl-reports.XXXXXX)
trap 'rm -rf "$work"' EXIT
secret=e2e-token-5f3c9a
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

mkdir -p "$work/compose/media" "$work/scenarios" "$work/fixtures/test_streams"
cat >"$work/scenarios/missing.yaml" <<'EOF'
name: missing
description: publishes a fixture that is not there
steps:
  - publish: {fixture: not-there.mp4}
EOF
cat >"$work/scenarios/refused.yaml" <<'EOF'
name: refused
description: a wait that cannot succeed, its URL holding a secret
steps:
  - wait: {http: "http://127.0.0.1:9/${API_TOKEN}", status: 200, timeout: 1s}
  - wait: {http: "http://127.0.0.1:9/never", status: 200, timeout: 1s}
EOF
cat >"$work/scenarios/stepskip.yaml" <<'EOF'
name: stepskip
description: its only step skipped
steps:
  - wait: {http: "http://127.0.0.1:9/"}
    skip: issue 42
EOF

# The secret as a scenario's stack sets it (--secrets-of reads it from there); not run by dubctl.
cat >"$work/tokens.yaml" <<EOF
name: tokens
description: the secret of the runs below, as a stack's STS_AUTH_TOKEN
stacks:
  sts:
    env: {STS_AUTH_TOKEN: "$secret"}
steps:
  - up: sts
EOF

# `dubctl run scenarios/ ARGS...` in the project, with no docker (nor git, nor Chromium) on PATH;
# exit 1: one scenario fails.
run() {
  local rc=0
  (cd "$work" && env -i PATH=/nonexistent DUBCTL_ROOT="$work" "$dubctl" run scenarios/ --cleanup never \
    --env "API_TOKEN=$secret" "$@" >"$work/stdout.txt" 2>"$work/stderr.txt") || rc=$?
  [[ $rc == 1 ]] || fail "dubctl run exited $rc, not 1: $(cat "$work/stderr.txt")"
  grep -qx "1 passed, 1 failed, 1 skipped" "$work/stdout.txt" || fail "closing line: $(cat "$work/stdout.txt")"
}

check() {
  "$python" "$root/scripts/check_reports.py" --expect missing=skipped --expect refused=failed \
    --expect stepskip=passed --absent "$secret" "$@"
}

# check_rejects WHAT PATTERN ARGS...: the checker must exit 1 with a line matching PATTERN.
check_rejects() {
  local what=$1 pattern=$2 rc=0
  shift 2
  "$python" "$root/scripts/check_reports.py" "$@" 2>"$work/check.txt" || rc=$?
  [[ $rc == 1 ]] || fail "$what: the checker exited $rc, not 1: $(cat "$work/check.txt")"
  grep -Eq "$pattern" "$work/check.txt" || fail "$what: no line like /$pattern/ in: $(cat "$work/check.txt")"
  echo "ok: $what rejected: $(grep -E "$pattern" "$work/check.txt" | head -1)"
}

r=$work/reports
run --artifacts "$work/out" --report-junit "$r/j/junit.xml" --report-html "$r/h/page.html" --report-json "$r/report.json"
for f in out/junit.xml out/report.html out/report.json; do
  [[ ! -e $work/$f ]] || fail "$f written although --report-* named other files"
done

if [[ $mode == good ]]; then
  check --junit "$r/j/junit.xml" --json "$r/report.json" --html "$r/h/page.html" --artifacts "$work/out" \
    --secrets-of "$work/tokens.yaml"
  # Every step, as it went: the failed one with its attempt and masked URL, the one after it not run.
  "$python" - "$r/report.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
steps = {s["name"]: [(t["kind"], t["status"]) for t in s["steps"]] for s in doc["scenarios"]}
want = {"missing": [("publish", "not_run")], "refused": [("wait", "failed"), ("wait", "not_run")],
        "stepskip": [("wait", "skipped")]}
assert steps == want, steps
failed = next(s for s in doc["scenarios"] if s["name"] == "refused")["steps"][0]
assert failed["attempts"] == 1 and failed["line"] == 4 and failed["duration_s"] > 0, failed
assert "http://127.0.0.1:9/***" in failed["description"] and "***" in failed["message"], failed
print("ok: report.json steps", steps)
EOF
  run --artifacts "$work/out2" --junit "$r/alias.xml"  # the old name; html and json by default
  check --junit "$r/alias.xml" --json "$work/out2/report.json" --html "$work/out2/report.html"
  [[ ! -e $work/out2/junit.xml ]] || fail "--junit FILE still wrote out2/junit.xml"
  run --artifacts "$work/out3"  # every report in the artifacts folder
  check --junit "$work/out3/junit.xml" --json "$work/out3/report.json" --html "$work/out3/report.html"
  # The same scenarios as two shards (run --shard I/2), then `dubctl merge`: one set of reports telling
  # all three cases, each once, as one run would.
  for i in 1 2; do
    (cd "$work" && env -i PATH=/nonexistent DUBCTL_ROOT="$work" "$dubctl" run scenarios/ --cleanup never \
      --env "API_TOKEN=$secret" --shard "$i/2" --artifacts "$work/shard-$i" >/dev/null 2>&1) || true
    [[ -s $work/shard-$i/report.json ]] || fail "shard $i/2 wrote no report.json"
  done
  rc=0
  (cd "$work" && env -i PATH=/nonexistent "$dubctl" merge shard-1 shard-2 --artifacts merged >"$work/stdout.txt" \
    2>"$work/stderr.txt") || rc=$?
  [[ $rc == 1 ]] || fail "dubctl merge exited $rc, not 1 (one case failed): $(cat "$work/stderr.txt")"
  grep -qx "1 passed, 1 failed, 1 skipped" "$work/stdout.txt" || fail "merge's closing line: $(cat "$work/stdout.txt")"
  check --junit "$work/merged/junit.xml" --json "$work/merged/report.json" --html "$work/merged/report.html"
  grep -q 'property name="shard" value="1/2"' "$work/merged/junit.xml" &&
    grep -q 'property name="shard" value="2/2"' "$work/merged/junit.xml" || fail "merged junit.xml lost a shard's suite"
  exit 0
fi
[[ $mode == broken ]] || fail "mode '$mode': good or broken"
check --junit "$r/j/junit.xml" --json "$r/report.json" >/dev/null  # whole, they pass
head -c 300 "$r/j/junit.xml" >"$work/truncated.xml"
check_rejects "a truncated junit.xml" "truncated.xml: not JUnit XML" --junit "$work/truncated.xml" --json "$r/report.json"
"$python" - "$r/report.json" "$work" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
refused = next(s for s in doc["scenarios"] if s["name"] == "refused")
refused["steps"][0]["status"] = "maybe"
json.dump(doc, open(f"{sys.argv[2]}/schema.json", "w"))
refused["steps"][0]["status"] = "failed"
refused["status"], refused["message"] = "passed", ""
json.dump(doc, open(f"{sys.argv[2]}/contradicts.json", "w"))
EOF
check_rejects "a step status outside the schema" "schema.json: scenarios/[0-9]+/steps/0/status: 'maybe' is not one of" \
  --junit "$r/j/junit.xml" --json "$work/schema.json"
check_rejects "a report.json that contradicts junit.xml" "contradicts.json: case refused: JSON says \('passed'" \
  --junit "$r/j/junit.xml" --json "$work/contradicts.json"
printf '{"schema_version": 1,' >"$work/cut.json"
check_rejects "a report.json that is not JSON" "cut.json: not JSON" --junit "$r/j/junit.xml" --json "$work/cut.json"
check_rejects "a secret left in a report" "report.json: holds 'cannot succeed'" --junit "$r/j/junit.xml" \
  --json "$r/report.json" --absent "cannot succeed"

# A scenario's token in a saved container log (as `compose logs` would give it unmasked).
mkdir -p "$work/out/refused/logs"
echo "sts-service | connect auth=$secret" >"$work/out/refused/logs/sts.log"
check_rejects "a token in a saved container log" \
  "out/refused/logs/sts.log: holds the value of STS_AUTH_TOKEN \(stacks.sts.env in .*tokens.yaml\)" \
  --junit "$r/j/junit.xml" --json "$r/report.json" --artifacts "$work/out" --secrets-of "$work/tokens.yaml"
# Redaction off for the token: the same run with its value under a name that is no secret (API_KEY)
# writes it as it is, and the checker names every report holding it.
sed -i 's/API_TOKEN/API_KEY/' "$work/scenarios/refused.yaml"
(cd "$work" && env -i PATH=/nonexistent DUBCTL_ROOT="$work" "$dubctl" run scenarios/ --cleanup never \
  --env "API_KEY=$secret" --artifacts "$work/plain" >/dev/null 2>&1) || true
for f in junit.xml report.json report.html; do
  check_rejects "the token unmasked in $f" "plain/$f: holds the value of STS_AUTH_TOKEN" \
    --junit "$work/plain/junit.xml" --json "$work/plain/report.json" --html "$work/plain/report.html" \
    --secrets-of "$work/tokens.yaml"
done
if grep -q "$secret" "$work/check.txt"; then fail "the checker printed the secret: $(cat "$work/check.txt")"; fi
