#!/usr/bin/env bash
# A Docker engine elsewhere, with a second dockerd on this machine as its stand-in: its own socket,
# data root and exec root (so its own containerd, images, containers, networks and volumes), its own
# default bridge (dubremote0, made here: `--bridge none` would delete the first engine's docker0) and
# no iptables rules of its own. A docker context names it (DOCKER_CONTEXT, as a user
# would keep an engine elsewhere; the test's own docker commands use DOCKER_HOST) and points dubctl
# at it: the media stack runs
# there with its recordings in a volume of that engine (MEDIA_RECORDINGS_DIR=recordings, a folder
# this machine's dubctl never opens), no file of this machine mounted into it, and dubctl reads the
# output back over the network from MediaMTX's playback server (DUBCTL_READBACK=playback).
# Checks: the scenario passes on the second engine; its containers ran there and none on the first
# engine; what it verified came from the playback server (the readback folder); the volume really
# held the recording; nothing of the run is left on either engine; the engine stops at the end.
#
# Only because the stand-in shares this machine's kernel: the first engine's FORWARD policy (DROP,
# with bridged traffic through iptables) would drop traffic inside the second engine's networks, so
# the test gives that engine its own address pool and accepts traffic inside it in DOCKER-USER while
# it runs (removed at the end). A real remote engine has its own kernel and rules.
#
# Usage: tests/stacks/remote_engine.sh [path/to/dubctl] [scenario]
#   (default scenarios/media_alone_echo.yaml: the media stack alone, echo; artifacts in
#   REMOTE_ENGINE_TEST_DIR, default a new folder under /tmp). Needs root: it starts dockerd. The
#   engine's data root (REMOTE_ENGINE_DATA, default /var/lib/dubctl-remote-engine) keeps the images
#   it was given between runs, as a remote engine would; they are loaded from the first engine
#   (scripts/provision-images made them) when missing or different.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=tests/support/stack_leftovers.sh
. "$root/tests/support/stack_leftovers.sh"
cd "$root"
dubctl=$(realpath "${1:-$(build_dir)/dubctl}")
scenario=${2:-scenarios/media_alone_echo.yaml}
data=${REMOTE_ENGINE_DATA:-/var/lib/dubctl-remote-engine}
pool=10.213.0.0/16 # the second engine's networks (DOCKER-USER accepts traffic inside it)
run=/run/dubctl-remote-engine
engine_host=unix://$run/docker.sock
context=dubctl-remote-test-$$
out=${REMOTE_ENGINE_TEST_DIR:-$(mktemp -d /tmp/dubctl-remote.XXXXXX)}
[[ -x $dubctl ]] || die "no dubctl at $dubctl: build it first (cmake --build build --target dubctl)"
[[ $(id -u) == 0 ]] || die "needs root: it starts a second dockerd"
command -v dockerd >/dev/null || die "no dockerd here (scripts/bootstrap installs docker.io)"
# The engine's default bridge and its address on this machine: where its containers reach the host
# (host-gateway), and the second address its ports are published on (DUB_GATEWAY_ADDRESS, as
# 172.17.0.1 is for the first engine).
bridge=dubremote0
gateway=10.214.0.1
command -v ip >/dev/null || die "no ip command (apt-get install iproute2)"
[[ ! -S $run/docker.sock ]] || die "$run/docker.sock exists: another remote-engine test runs, or one was killed (remove $run)"
mkdir -p "$run" "$data" "$out"
ip link show "$bridge" >/dev/null 2>&1 && die "the bridge $bridge exists: another remote-engine test runs, or one was killed (ip link del $bridge)"

remote() { DOCKER_HOST=$engine_host "$@"; }
engine_pid=""
stop_engine() {
  local rc=$?
  # What a failed run kept: the engine is the test's alone.
  if [[ -S $run/docker.sock ]]; then
    remote docker ps -aq | xargs -r env DOCKER_HOST="$engine_host" docker rm -f >/dev/null 2>&1 || true
    remote docker volume prune -f >/dev/null 2>&1 || true
    remote docker network prune -f >/dev/null 2>&1 || true
  fi
  iptables -D DOCKER-USER -s "$pool" -d "$pool" -j ACCEPT 2>/dev/null || true
  docker context rm -f "$context" >/dev/null 2>&1 || true
  ip link del "$bridge" 2>/dev/null || true
  if [[ -n $engine_pid ]]; then
    kill "$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
  fi
  rm -rf "$run"
  # Last, with the engine gone: the first engine's bridge is still on this machine.
  if ((rc == 0)) && [[ -n ${first_gateway:-} ]]; then
    (first_bridge_intact "the second engine (its run or its stop)") || rc=1
    ((rc)) || log "ok: the first engine's bridge ($first_gateway) is untouched"
  fi
  exit "$rc"
}
trap stop_engine EXIT

# The first engine's default bridge (docker0 and its address): the second engine must leave it alone.
# The address is read from the interface: the network's IPAM lists a Gateway only when one was set
# (an engine started afresh lists just the subnet, and the test then saw no bridge at all).
first_bridge=$(docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}') ||
  die "the first engine has no default bridge network"
first_bridge=${first_bridge:-docker0}
first_gateway=$(ip -4 -o addr show dev "$first_bridge" | awk 'NR == 1 {split($4, a, "/"); print a[1]}') || true
[[ -n $first_gateway ]] || die "the first engine's bridge $first_bridge has no IPv4 address (restart its dockerd)"
first_bridge_intact() {
  # Read whole before matching: `ip ... | grep -q` under pipefail fails when grep stops reading first (SIGPIPE).
  local addresses
  addresses=$(ip -4 -o addr show)
  [[ $addresses == *" inet $first_gateway/"* ]] ||
    die "$1 took $first_gateway (the first engine's $first_bridge) off this machine: the first engine's stacks cannot publish ports now (restart its dockerd)"
}
first_bridge_intact "something before this test"
# A dockerd started with a default address pool that finds its previous default bridge network in
# its network store deletes the interface named docker0 (moby's removeDefaultBridgeInterface), which
# here is the first engine's. The store holds nothing else the test keeps (every network of the
# engine is pruned at the end), so the engine starts without it; its images stay.
rm -f "$data/network/files/local-kv.db"
ip link add "$bridge" type bridge
ip addr add "$gateway/24" dev "$bridge"
ip link set "$bridge" up
dockerd --host "$engine_host" --data-root "$data" --exec-root "$run/exec" --pidfile "$run/docker.pid" \
  --bridge "$bridge" --iptables=false --ip-masq=false \
  --default-address-pool "base=$pool,size=24" >"$out/dockerd.log" 2>&1 &
engine_pid=$!
for _ in $(seq 120); do
  remote docker info >/dev/null 2>&1 && break
  kill -0 "$engine_pid" 2>/dev/null || die "the second dockerd exited: $(tail -5 "$out/dockerd.log")"
  sleep 0.5
done
remote docker info >/dev/null 2>&1 || die "the second dockerd did not answer in 60 s: $(tail -5 "$out/dockerd.log")"
first_bridge_intact "the second dockerd's start"
iptables -I DOCKER-USER -s "$pool" -d "$pool" -j ACCEPT
docker context create "$context" --description "dubctl's remote-engine test" --docker "host=$engine_host" >/dev/null 2>"$out/context.log" ||
  die "docker context create failed: $(cat "$out/context.log")"
[[ -z $(DOCKER_HOST=$engine_host leftovers) ]] || die "the second engine holds stacks before the test: $(DOCKER_HOST=$engine_host leftovers)"

# The media stack's images, as the first engine has them (an engine elsewhere would build or pull).
mapfile -t images < <(awk '$1 == "image:" { print $2 }' compose/media/docker-compose.e2e.yml)
missing=()
for image in "${images[@]}"; do
  id=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null) ||
    die "no $image on this machine's engine: run scripts/provision-images"
  [[ $(remote docker image inspect --format '{{.Id}}' "$image" 2>/dev/null) == "$id" ]] || missing+=("$image")
done
if ((${#missing[@]})); then
  t=$(date +%s)
  docker save "${missing[@]}" | remote docker load >"$out/load.log" 2>&1 || die "docker load on the second engine failed: $(tail -3 "$out/load.log")"
  log "images given to the second engine in $(($(date +%s) - t)) s: ${missing[*]}"
fi

first_before=$(docker ps -aq | sort)
start=$(date +%s)
DOCKER_CONTEXT=$context DUBCTL_READBACK=playback MEDIA_RECORDINGS_DIR=recordings DUB_GATEWAY_ADDRESS=$gateway \
  "$dubctl" run "$scenario" --isolate --strict --cleanup never --artifacts "$out/run" >"$out/run.log" 2>&1 ||
  die "the scenario failed on the second engine (exit $?): $(tail -20 "$out/run.log")"
log "$scenario passed on the second engine: $(($(date +%s) - start)) s wall"
id=$(sed -n 's/^isolated run \([a-z0-9_-]*\): .*/\1/p' "$out/run.log")
[[ -n $id ]] || die "the run printed no run id: $(head -3 "$out/run.log")"

# Its containers are on the second engine, none on the first.
[[ -n $(remote docker ps -q --filter "label=com.docker.compose.project=dubmedia-$id") ]] ||
  die "no container of dubmedia-$id on the second engine"
[[ $(docker ps -aq | sort) == "$first_before" ]] || die "the run changed the first engine's containers"
# The recording is in the engine's volume, and what the run verified is what the playback server served.
volume=$(remote docker volume ls -q --filter "label=com.docker.compose.project=dubmedia-$id" | grep recordings) ||
  die "the run's recordings volume is missing on the second engine"
in_volume=$(remote docker run --rm --network none -v "$volume:/r:ro" --entrypoint find "${images[0]}" /r -name '*.mp4' | wc -l)
((in_volume > 0)) || die "no recording in the volume $volume"
readback=$(find "$out/run" -path '*/readback/live/*/out/*.mp4' | wc -l)
((readback > 0)) || die "nothing was read back over the playback server into $out/run/*/readback"
grep -q "verify $out/run/[^ ]*/readback/live/" "$out/run.log" ||
  die "the verify steps did not read the readback folder: $(grep ' verify ' "$out/run.log" | head -3)"
log "ok: $in_volume recording(s) in the engine's volume $volume, $readback read back over the network and verified"

DUBCTL_RUN_ID=$id DOCKER_CONTEXT=$context "$dubctl" down all >"$out/down.log" 2>&1 || die "dubctl down all on the second engine failed: $(tail -5 "$out/down.log")"
left=$(DOCKER_HOST=$engine_host leftovers)
[[ -z $left ]] || die "the run left on the second engine: $left"
log "ok: nothing of dubmedia-$id is left on the second engine"
