# Small helpers of scripts/provision-images: timing, image queries, reporting, logged runs, pulls.
# Sourced by scripts/provision-images (its pins, CACHE, LOGS and option variables are set there).
# shellcheck shell=bash disable=SC2154,SC2034  # variables shared with the other parts

now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null; }
image_label() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null | sed 's/^<no value>$//'; }
is_forced() { ((force)) && [[ -z $only || $only == "$1" ]]; }

declare -A HANDLED=()
SUMMARY=()
# report NAME IMAGE WHAT START
report() {
  local secs
  secs=$(since "$4")
  HANDLED[$1]=1
  SUMMARY+=("$(printf '%-14s %-36s %s (%ss)' "$1" "$2" "$3" "$secs")")
  printf '%s: %s %s (%ss)\n' "$1" "$2" "$3" "$secs"
}

# fail NAME MESSAGE: die naming the image that could not be provisioned.
fail() { die "$1 (${IMAGE_OF[$1]:-?}): $2"; }

# Run a command with its output in a log file; on failure show the tail and die.
# run_logged NAME LOGFILE WHAT cmd...
run_logged() {
  local name=$1 logf=$2 what=$3
  shift 3
  if ! "$@" >"$logf" 2>&1; then
    tail -n 25 "$logf" >&2 || true
    fail "$name" "$what failed (full log: $logf)"
  fi
}

# docker pull with a time limit; quiet, returns non-zero when no registry answers.
try_pull() {
  local img=$1 logf
  logf="$LOGS/pull-${img//[^A-Za-z0-9._-]/_}.log"
  log "trying: docker pull $img"
  if timeout "$PULL_TIMEOUT" docker pull "$img" >"$logf" 2>&1; then
    return 0
  fi
  log "docker pull $img failed: $(tail -n 1 "$logf")"
  return 1
}

# Proxy settings the host's clients use, passed to builds (docker treats these
# build args as predefined: usable in RUN, not stored in the image history).
proxy_build_args() {
  local v
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [[ -n ${!v:-} ]] && printf '%s\n' --build-arg "$v=${!v}"
  done
  return 0
}

# sha256 over stdin
sha() { sha256sum | cut -d' ' -f1; }
