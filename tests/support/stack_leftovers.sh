# shellcheck shell=bash
# Sourced by the tests that start and stop the real stacks (tests/signals, tests/stacks).
# The compose projects dubctl runs (src/dubctl/stacks.cpp: stacks_for).
projects=(dubmedia dubsts)

# What is left of them: containers, networks and volumes labelled with a project, and judge containers.
leftovers() {
  local p
  for p in "${projects[@]}"; do
    docker ps -a --filter "label=com.docker.compose.project=$p" --format 'container {{.Names}}'
    docker network ls --filter "label=com.docker.compose.project=$p" --format 'network {{.Name}}'
    docker volume ls --filter "label=com.docker.compose.project=$p" --format 'volume {{.Name}}'
  done
  docker ps -a --filter "name=dubctl-judge-" --format 'container {{.Names}}'
}
