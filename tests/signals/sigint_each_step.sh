#!/usr/bin/env bash
# Ctrl-C during each kind of step (up, publish, wait, verify; SIGTERM once too) against the real
# stacks: `dubctl run` must cancel the running step within 2 s (its JUnit case fails with
# "interrupted by signal N during step at line L"), tear down and exit within 30 s of the signal,
# with exit code 130, and leave no container, network or volume of its compose projects behind
# (nor the judge container a `verify: {heard: ...}` step runs).
#
# Usage: tests/signals/sigint_each_step.sh [path/to/dubctl]      (default: <build>/dubctl)
# It starts and stops the shared stacks: run it holding the stacks lock, as every scenario run:
#   flock /tmp/dub-stacks.lock tests/signals/sigint_each_step.sh
# Bounds: SIGNAL_CANCEL_MAX_S (2) and SIGNAL_TEARDOWN_MAX_S (30), the spec's; artifacts in
# SIGNAL_TEST_DIR (default a new folder under /tmp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
cd "$root"
dubctl=${1:-$(build_dir)/dubctl}
[[ -x $dubctl ]] || die "no dubctl at $dubctl: build it first (cmake --build build --target dubctl)"
cancel_max=${SIGNAL_CANCEL_MAX_S:-2}
teardown_max=${SIGNAL_TEARDOWN_MAX_S:-30}
work=${SIGNAL_TEST_DIR:-$(mktemp -d /tmp/dubctl-signals.XXXXXX)}
mkdir -p "$work"
# shellcheck source=tests/support/stack_leftovers.sh
. "$root/tests/support/stack_leftovers.sh"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
within() { awk -v t="$1" -v max="$2" 'BEGIN { exit !(t <= max) }'; }

# Waits up to $2 seconds (0.1 s steps) for the command in "${@:3}" to succeed while pid $1 lives.
wait_for() {
  local pid=$1 tries=$(($2 * 10))
  shift 2
  while ((tries-- > 0)); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

has_container() { [[ -n $(docker ps -a --filter "label=com.docker.compose.project=$1" -q) ]]; }
has_judge() { [[ -n $(docker ps -q --filter "name=dubctl-judge-$1-") ]]; }
said() { grep -q -- "$2" "$1"; }

# Writes the scenario for a case: the media stack (echo STS: no STS project needed), then $2 as the
# step the signal lands in; prints the line of that step.
write_scenario() {
  local file=$1 step=$2 name
  name=signal-$(basename "$file" .yaml)
  cat >"$file" <<EOF
name: $name
description: a step interrupted by a signal (tests/signals/sigint_each_step.sh)
timeout: 3m
stacks:
  media:
    env: {MEDIA_STS_MODE: echo}
steps:
  - up: {stacks: media, timeout: 90s}
$step
EOF
  grep -n '^  - ' "$file" | tail -1 | cut -d: -f1
}

failures=()
fail() {
  failures+=("$1: $2")
  log "FAIL $1: $2"
}

# run_case NAME SIGNAL STEP-YAML READY...: runs the scenario, sends SIGNAL once READY (a command,
# given the run's pid and stderr file as its last two arguments) holds, then checks the bounds and
# what is left.
run_case() {
  local name=$1 sig=$2 step=$3
  shift 3
  local scenario=$work/$name.yaml err=$work/$name.stderr line
  line=$(write_scenario "$scenario" "$step")
  log "case $name: SIG$sig during the step at line $line"
  : >"$err"
  "$dubctl" run "$scenario" --artifacts "$work/$name" --junit "$work/$name/junit.xml" >"$work/$name.stdout" 2>"$err" &
  local pid=$!
  if ! wait_for "$pid" 120 "$@" "$pid" "$err"; then
    wait "$pid" || true
    fail "$name" "the step never got going before the run ended (see $err)"
    return
  fi
  local t0 t_cancel="" t_exit rc=0
  t0=$(now)
  kill -s "$sig" "$pid"
  local signum
  signum=$(kill -l "$sig")
  local expected="interrupted by signal $signum during step at line $line"
  while kill -0 "$pid" 2>/dev/null; do
    if [[ -z $t_cancel ]] && said "$err" "$expected"; then t_cancel=$(elapsed "$t0" "$(now)"); fi
    sleep 0.1
  done
  wait "$pid" || rc=$?
  t_exit=$(elapsed "$t0" "$(now)")
  [[ -n $t_cancel ]] || { said "$err" "$expected" && t_cancel=$t_exit; } || true
  log "case $name: step cancelled after ${t_cancel:-never}s, run ended after ${t_exit}s, exit code $rc"
  ((rc == 130)) || fail "$name" "exit code $rc, not 130"
  if [[ -z $t_cancel ]]; then
    fail "$name" "no '$expected' in $err"
  elif ! within "$t_cancel" "$cancel_max"; then
    fail "$name" "the step was cancelled ${t_cancel}s after the signal (bound ${cancel_max}s)"
  fi
  within "$t_exit" "$teardown_max" || fail "$name" "the run ended ${t_exit}s after the signal (bound ${teardown_max}s)"
  grep -q "interrupted by signal $signum" "$work/$name/junit.xml" || fail "$name" "junit.xml does not say interrupted"
  local left
  left=$(leftovers)
  if [[ -n $left ]]; then
    fail "$name" "left behind: $(echo "$left" | tr '\n' ' ')"
    "$dubctl" down all >/dev/null 2>&1 || true # leave the next case (and whoever comes next) a clean slate
  fi
  printf '%s %s %s %s %s\n' "$name" "$sig" "${t_cancel:-never}" "$t_exit" "$rc" >>"$work/times.txt"
}

# The READY conditions, called with the run's pid and stderr file last.
up_started() { has_container dubmedia; }              # compose has created the media stack's containers
after_up() { said "$3" "ok up media" && sleep "$1"; } # after_up DELAY: the step after `up` runs for DELAY s
judging() { has_judge "$1"; }                         # the judge's container runs

log "signals test: $dubctl, artifacts in $work"
"$dubctl" down all >/dev/null 2>&1 || true # every case starts from stopped stacks
[[ -z $(leftovers) ]] || die "the stacks' containers, networks or volumes remain before the test: $(leftovers)"

# shellcheck disable=SC2016 # ${media.api} is for dubctl to expand
wait_step='  - wait: {http: "${media.api}/no-such-path", status: 200, timeout: 120s}'
run_case up INT "" up_started
run_case publish INT "  - publish: {fixture: 30s-english-speech.mp4, background: false}" after_up 2
run_case wait INT "$wait_step" after_up 1
run_case wait-sigterm TERM "$wait_step" after_up 1
run_case verify INT "  - verify: {heard: {media: fixtures/test_streams/30s-english-speech.mp4, language: en}}" judging

log "times (case signal cancelled_s ended_s exit):"
cat "$work/times.txt" >&2
if ((${#failures[@]} > 0)); then
  printf '  %s\n' "${failures[@]}" >&2
  die "${#failures[@]} signal case(s) failed"
fi
log "every step kind was cancelled within ${cancel_max}s and torn down within ${teardown_max}s, nothing left"
