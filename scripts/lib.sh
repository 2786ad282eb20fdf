# Shared helpers for the project's shell scripts. Source, do not run.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() {
  printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

# Print the compose command this machine has: "docker compose" (v2) or "docker-compose" (v1).
compose_cmd() {
  if docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then
    echo "docker-compose"
  else
    return 1
  fi
}

# Project root (the folder holding CMakeLists.txt).
project_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }
