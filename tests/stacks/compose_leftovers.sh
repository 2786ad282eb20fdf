#!/usr/bin/env bash
# What a run that ended uncleanly leaves, under the other compose tool: compose v1 made the media
# project's network, then its containers went (a killed session, a restarted daemon). Compose v2
# neither removes that network on `down` nor accepts it on `up` ("network dubmedia_default was found
# but has incorrect label"), so until dubctl cleans it every v2 run fails. Checked both ways:
#   1. `dubctl down media` (v2) removes the network v1 left;
#   2. `dubctl up media` (v2) starts over it, and `dubctl down` then leaves nothing.
# Usage: tests/stacks/compose_leftovers.sh [path/to/dubctl]   (needs both compose tools: bootstrap)
# It starts and stops the shared stacks: run it holding the stacks lock, as every scenario run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=tests/support/stack_leftovers.sh
. "$root/tests/support/stack_leftovers.sh"
cd "$root"
dubctl=${1:-$(build_dir)/dubctl}
[[ -x $dubctl ]] || die "no dubctl at $dubctl: build it first (cmake --build build --target dubctl)"
compose_file=compose/media/docker-compose.e2e.yml

# The state an unclean end of a v1 run leaves: the project's network (and volume), no container.
v1_leftover() {
  docker-compose -p dubmedia -f "$compose_file" up --no-start >/dev/null 2>&1 ||
    die "docker-compose (v1) could not create the media project: run scripts/bootstrap"
  docker ps -aq --filter label=com.docker.compose.project=dubmedia | xargs -r docker rm -f >/dev/null
  leftovers | grep -qx "network dubmedia_default" || die "could not set up v1's leftover network: $(leftovers)"
}

"$dubctl" down all >/dev/null 2>&1 || true
[[ -z $(leftovers) ]] || die "the stacks' containers, networks or volumes remain before the test: $(leftovers)"

v1_leftover
DUBCTL_COMPOSE=v2 "$dubctl" down media >/dev/null 2>&1 || die "dubctl down (compose v2) failed over v1's network"
[[ -z $(leftovers) ]] || die "dubctl down (compose v2) left what compose v1 made: $(leftovers)"
log "ok: dubctl down (compose v2) removed the network compose v1 left"

v1_leftover
out=$(DUBCTL_COMPOSE=v2 "$dubctl" up media --env MEDIA_STS_MODE=echo 2>&1) ||
  die "dubctl up (compose v2) failed over the network compose v1 left: $out"
DUBCTL_COMPOSE=v2 "$dubctl" down media >/dev/null 2>&1 || die "dubctl down media failed after up"
[[ -z $(leftovers) ]] || die "dubctl down left: $(leftovers)"
log "ok: dubctl up (compose v2) started over the network compose v1 left; down left nothing"
