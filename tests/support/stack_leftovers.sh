# shellcheck shell=bash
# Sourced by the tests that start and stop the real stacks (tests/signals, tests/stacks).
# The compose projects dubctl runs (src/dubctl/stacks.cpp: stacks_for): dubmedia and dubsts, and
# dubmedia-<id> and dubsts-<id> of the runs with an id (DUBCTL_RUN_ID, `dubctl run --isolate`).
project_pattern='^dub(media|sts)(-[a-z0-9_-]+)?$'

# What is left of them: containers, networks and volumes labelled with such a project, and judge
# containers. `leftovers <project>` lists only that project's.
leftovers() {
  local pattern=${1:+^$1\$}
  pattern=${pattern:-$project_pattern}
  local label='{{.Label "com.docker.compose.project"}}'
  {
    docker ps -a --filter label=com.docker.compose.project --format "$label container {{.Names}}"
    docker network ls --filter label=com.docker.compose.project --format "$label network {{.Name}}"
    docker volume ls --filter label=com.docker.compose.project --format "$label volume {{.Name}}"
  } | awk -v re="$pattern" '$1 ~ re { print $2 " " $3 }'
  [[ -n ${1:-} ]] || docker ps -a --filter "name=dubctl-judge-" --format 'container {{.Names}}'
}
