# Shared helpers for the project's shell scripts. Source, do not run.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() {
  printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

# Print the compose command dubctl would use: $DUBCTL_COMPOSE (v1: "docker-compose", v2: "docker compose"),
# else (auto) "docker compose" (v2) when it answers, else "docker-compose" (v1).
compose_cmd() {
  case ${DUBCTL_COMPOSE:-auto} in
  v1) command -v docker-compose >/dev/null 2>&1 && echo "docker-compose" ;;
  v2) docker compose version >/dev/null 2>&1 && echo "docker compose" ;;
  auto | "")
    if docker compose version >/dev/null 2>&1; then
      echo "docker compose"
    elif command -v docker-compose >/dev/null 2>&1; then
      echo "docker-compose"
    else
      return 1
    fi
    ;;
  *)
    printf "DUBCTL_COMPOSE='%s': use auto, v1 (docker-compose) or v2 (docker compose)\n" "$DUBCTL_COMPOSE" >&2
    return 1
    ;;
  esac
}

# Project root (the folder holding CMakeLists.txt).
project_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# The build tree (absolute): $DUB_BUILD_DIR, relative to the project root unless absolute; default build/.
build_dir() {
  local b=${DUB_BUILD_DIR:-build}
  [[ $b == /* ]] || b=$(project_root)/$b
  echo "$b"
}

# The images the project builds (scripts/provision-images makes them; the compose files use the same names).
# shellcheck disable=SC2034 # used by the scripts that source this file
MEDIA_SERVICE_IMAGE=dubctl/media-service:dev
# shellcheck disable=SC2034
STS_IMAGE=dubctl/sts-service:dev

# Caches kept between runs on this machine, outside the clone so fresh clones at other paths share
# them: <dir>/ccache (compiler cache, scripts/build) and <dir>/clang-tidy (clean results, scripts/lint).
# One setting: $DUB_CACHE_DIR, default ${XDG_CACHE_HOME:-~/.cache}/dubctl. Clear with rm -rf of it.
cache_dir() { echo "${DUB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dubctl}"; }
