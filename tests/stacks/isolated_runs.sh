#!/usr/bin/env bash
# Two `dubctl run --isolate` side by side on one machine, beside both stacks on the default projects
# and ports (as another user's run would hold them): each run has its own compose projects, networks
# and host ports, both pass, the default stacks are not touched, and each run leaves nothing. One run
# makes up its id and runs the media stack alone (echo, a stream dubbed and verified); the other is
# given one (DUBCTL_RUN_ID) and runs both stacks, its media service reaching its own STS through the
# STS's host port. Without isolation the runs meet: the default stacks hold their ports (a skip, a
# failure with --strict), or a run takes over and tears down the default projects.
#
# Usage: tests/stacks/isolated_runs.sh [path/to/dubctl] [scenario-a] [scenario-b]
#   (defaults: scenarios/media_alone_echo.yaml, scenarios/services_communicate.yaml; artifacts in
#   ISOLATION_TEST_DIR, default a new folder under /tmp). It starts and stops the default stacks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=tests/support/stack_leftovers.sh
. "$root/tests/support/stack_leftovers.sh"
cd "$root"
dubctl=${1:-$(build_dir)/dubctl}
scenario_a=${2:-scenarios/media_alone_echo.yaml}
scenario_b=${3:-scenarios/services_communicate.yaml}
[[ -x $dubctl ]] || die "no dubctl at $dubctl: build it first (cmake --build build --target dubctl)"
out=${ISOLATION_TEST_DIR:-$(mktemp -d /tmp/dubctl-isolation.XXXXXX)}
mkdir -p "$out"

"$dubctl" down all >/dev/null 2>&1 || true
[[ -z $(leftovers) ]] || die "the stacks' containers, networks or volumes remain before the test: $(leftovers)"

"$dubctl" up all >"$out/default-up.log" 2>&1 || die "the default stacks did not start: $(tail -5 "$out/default-up.log")"
default_containers() {
  docker ps -q --no-trunc --filter label=com.docker.compose.project=dubmedia
  docker ps -q --no-trunc --filter label=com.docker.compose.project=dubsts
}
before=$(default_containers | sort)

# Dies when anything of the run with id $2 (named $1 in the message) is left.
nothing_left_of() {
  local project left
  for project in "dubmedia-$2" "dubsts-$2"; do
    left=$(leftovers "$project")
    [[ -z $left ]] || die "$1 left its project $project behind: $left"
  done
}

given_id=iso-$$
start=$(date +%s)
"$dubctl" run "$scenario_a" --isolate --strict --artifacts "$out/a" >"$out/a.log" 2>&1 &
run_a=$!
DUBCTL_RUN_ID=$given_id "$dubctl" run "$scenario_b" --isolate --strict --artifacts "$out/b" >"$out/b.log" 2>&1 &
run_b=$!
rc_a=0 rc_b=0
wait "$run_a" || rc_a=$?
wait "$run_b" || rc_b=$?
log "two isolated runs side by side: $(($(date +%s) - start)) s wall"
((rc_a == 0)) || die "run a (made-up id) failed (exit $rc_a): $(tail -15 "$out/a.log")"
((rc_b == 0)) || die "run b (DUBCTL_RUN_ID=$given_id) failed (exit $rc_b): $(tail -15 "$out/b.log")"

# Each run printed its id and ports; they share none, and none is a default port.
id_a=$(sed -n 's/^isolated run \([a-z0-9_-]*\): .*/\1/p' "$out/a.log")
[[ $id_a =~ ^r[0-9a-f]{8}$ ]] || die "run a printed no made-up run id: $(head -5 "$out/a.log")"
grep -q "^isolated run $given_id: projects dubmedia-$given_id and dubsts-$given_id" "$out/b.log" ||
  die "run b did not take DUBCTL_RUN_ID=$given_id: $(head -5 "$out/b.log")"
ports() { sed -n 's/^isolated run .*host ports //p' "$1" | tr ' ' '\n' | cut -d= -f2 | sort; }
[[ $(ports "$out/a.log" | wc -l) -eq 6 && $(ports "$out/b.log" | wc -l) -eq 6 ]] ||
  die "each run should print its 6 host ports: $(grep '^isolated run' "$out"/[ab].log)"
shared=$(comm -12 <(ports "$out/a.log") <(ports "$out/b.log"))
[[ -z $shared ]] || die "the two runs used the same host ports: $shared"
for port in 8080 8554 1935 9997 9996 3000; do
  ports "$out/a.log" "$out/b.log" | grep -qx "$port" && die "an isolated run used the default port $port"
done
for run in a b; do
  id=$([[ $run == a ]] && echo "$id_a" || echo "$given_id")
  grep -q "name=\"run_id\" value=\"$id\"" "$out/$run/junit.xml" || die "run $run's junit.xml does not record run_id $id"
  nothing_left_of "run $run" "$id"
done
log "ok: runs $id_a and $given_id passed side by side on their own projects and ports, and left nothing"

# The same two scenarios as one `dubctl run --jobs 2`: two isolated jobs, their reports merged.
start=$(date +%s)
"$dubctl" run "$scenario_a" "$scenario_b" --jobs 2 --strict --artifacts "$out/jobs" >"$out/jobs.log" 2>&1 ||
  die "dubctl run --jobs 2 failed: $(tail -15 "$out/jobs.log")"
grep -qx "2 passed, 0 failed, 0 skipped" "$out/jobs.log" || die "--jobs 2: closing line: $(tail -3 "$out/jobs.log")"
grep -q '<testsuites tests="2" failures="0" skipped="0"' "$out/jobs/junit.xml" ||
  die "--jobs 2: the merged junit.xml does not hold both cases: $(head -3 "$out/jobs/junit.xml")"
speedup=$(grep -E '^2 jobs: ' "$out/jobs.log") || die "--jobs 2 printed no speedup: $(tail -5 "$out/jobs.log")"
base=$(sed -n 's/^2 jobs (runs \([a-z0-9_-]*\)-j1\.\..*/\1/p' "$out/jobs.log")
for job in 1 2; do nothing_left_of "job $job" "$base-j$job"; done
log "ok: --jobs 2 ran both scenarios in two isolated jobs and merged their reports: $speedup ($(($(date +%s) - start)) s)"

after=$(default_containers | sort)
[[ $(wc -l <<<"$before") -eq 3 && $after == "$before" ]] ||
  die "the default stacks were disturbed by the isolated runs (their containers changed)"
log "ok: the default stacks ran on, untouched"
"$dubctl" down all >/dev/null 2>&1 || die "dubctl down all failed"
[[ -z $(leftovers) ]] || die "left after the test: $(leftovers)"
