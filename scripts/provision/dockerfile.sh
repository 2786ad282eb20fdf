# 3. Images built from a Dockerfile in the repo (media-service, sts): rebuilt only when their inputs change.
# Sourced by scripts/provision-images (its pins, CACHE, LOGS and option variables are set there).
# shellcheck shell=bash disable=SC2154

# FROM references of a Dockerfile (ARG defaults substituted; stage names and scratch skipped).
dockerfile_froms() {
  awk '
    { line = $0; while (line ~ /\\[ \t]*$/ && (getline nxt) > 0) { sub(/\\[ \t]*$/, "", line); line = line " " nxt }; $0 = line }
    toupper($1) == "ARG" && !seen_from {
      split($2, kv, "="); if (kv[2] != "") { v = kv[2]; gsub(/^"|"$/, "", v); args[kv[1]] = v }
    }
    toupper($1) == "FROM" {
      seen_from = 1; i = 2
      while ($i ~ /^--/) i++
      ref = $i
      for (a in args) { gsub("\\$\\{" a "\\}", args[a], ref); gsub("\\$" a "([^A-Za-z0-9_]|$)", args[a], ref) }
      if (tolower($(i + 1)) == "as") stage[tolower($(i + 2))] = 1
      if (tolower(ref) != "scratch" && !(tolower(ref) in stage) && !printed[ref]++) print ref
    }' "$1"
}

# Context-relative source paths of COPY/ADD (not --from) in a Dockerfile; "." when
# a source cannot be resolved statically (variables, URLs).
dockerfile_sources() {
  awk '
    { line = $0; while (line ~ /\\[ \t]*$/ && (getline nxt) > 0) { sub(/\\[ \t]*$/, "", line); line = line " " nxt }; $0 = line }
    toupper($1) == "COPY" || toupper($1) == "ADD" {
      from = 0; n = 0; delete w
      rest = $0; sub(/^[ \t]*[A-Za-z]+[ \t]+/, "", rest)
      while (rest ~ /^--/) { if (rest ~ /^--from/) from = 1; sub(/^--[^ \t]+[ \t]+/, "", rest) }
      if (from) next
      if (rest ~ /^\[/) { gsub(/^\[|\][ \t]*$/, "", rest); n = split(rest, w, /"[ \t]*,[ \t]*"/); for (k = 1; k <= n; k++) gsub(/^[ \t]*"|"[ \t]*$/, "", w[k]) }
      else n = split(rest, w, /[ \t]+/)
      for (k = 1; k < n; k++) { s = w[k]; if (s ~ /\$|:\/\//) s = "."; print s }
    }' "$1"
}

# Reads .dockerignore-style globs on stdin, prints one ERE matching any of them ("" for none).
globs_to_ere() {
  sed -E 's#^[[:space:]]+|[[:space:]]+$##g; s#^\./##; s#^/##; s#/$##' | grep -v '^$' |
    sed -E 's#[.+(){}|^$]#\\&#g; s#\*\*#\x01#g; s#\*#[^/]*#g; s#\?#[^/]#g; s#\x01/?#.*#g; s#^(.*)$#^\1(/.*)?$#' | paste -sd'|' - || true
}

# Filters NUL-separated paths: drops those matching $1 unless they match $2.
context_filter() {
  local ignore=$1 keep=$2 f
  while IFS= read -r -d '' f; do
    if [[ $f == link\ * ]]; then
      printf '%s\0' "$f"
    elif [[ -n $ignore && $f =~ $ignore && ! (-n $keep && $f =~ $keep) ]]; then
      continue
    else
      printf '%s\0' "$f"
    fi
  done
}

# Hash of a build: Dockerfile, .dockerignore, the COPY/ADD inputs (content; size+mtime
# for files over 256 MiB), the ids of the FROM images and extra strings.
# build_inputs_hash DOCKERFILE CONTEXT EXTRA...
build_inputs_hash() {
  local dockerfile=$1 ctx=$2
  shift 2
  local ignore_re="" keep_re="" src
  if [[ -f $ctx/.dockerignore ]]; then
    # Translate .dockerignore globs into EREs: ignore_re for patterns, keep_re for "!" exceptions
    # (a path ignored by a pattern but matched by an exception is sent, as docker does for the
    # usual "*" then "!file" form; exceptions that re-exclude are not modelled).
    ignore_re=$(grep -v -E '^[[:space:]]*(#|!|$)' "$ctx/.dockerignore" | globs_to_ere)
    keep_re=$(grep -E '^[[:space:]]*!' "$ctx/.dockerignore" | sed -E 's#^[[:space:]]*!##' | globs_to_ere)
  fi
  {
    echo "recipe $RECIPE_REV"
    printf '%s\n' "$@"
    cat "$dockerfile"
    [[ -f $ctx/.dockerignore ]] && cat "$ctx/.dockerignore"
    local ref
    while read -r ref; do
      echo "from $ref $(image_id "$ref" || echo missing)"
    done < <(dockerfile_froms "$dockerfile")
    (
      cd "$ctx" || exit
      shopt -s nullglob dotglob
      while read -r src; do
        src=${src#/}
        src=${src#./}
        [[ -n $src ]] || src=.
        # shellcheck disable=SC2206 # globs in COPY sources are expanded on purpose
        local matches=($src)
        ((${#matches[@]})) || { echo "missing $src"; continue; }
        find "${matches[@]}" -path ./.git -prune -o -type f -print0 2>/dev/null
        find "${matches[@]}" -path ./.git -prune -o -type l -printf 'link %p -> %l\0' 2>/dev/null
      done < <(dockerfile_sources "$dockerfile") |
        sed -z 's#^\./##' | context_filter "$ignore_re" "$keep_re" |
        sort -zu |
        while IFS= read -r -d '' f; do
          if [[ $f == link\ * ]]; then
            echo "$f"
          elif (($(stat -c %s "$f") > 268435456)); then
            stat -c 'big %n %s %Y' "$f"
          else
            printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
          fi
        done
    )
  } | sha
}

# ensure_dockerfile_image NAME IMAGE DOCKERFILE CONTEXT [PREPARE-SCRIPT]
ensure_dockerfile_image() {
  local name=$1 image=$2 dockerfile=$3 ctx=$4 prepare=${5:-} t0 t ref hash h why=""
  [[ -n ${HANDLED[$name]:-} ]] && return 0
  t0=$(now)
  if [[ ! -f $dockerfile ]]; then
    report "$name" "$image" "not yet available: ${dockerfile#"$ROOT"/} does not exist, skipped" "$t0"
    return 0
  fi
  if [[ -n $prepare && -e $prepare ]]; then
    [[ -x $prepare ]] || fail "$name" "${prepare#"$ROOT"/} exists but is not executable"
    log "$name: running ${prepare#"$ROOT"/} (log: $LOGS/$name-prepare.log)"
    t=$(now)
    run_logged "$name" "$LOGS/$name-prepare.log" "${prepare#"$ROOT"/}" env -C "$ctx" "$prepare"
    log "$name: prepare-build took $(since "$t")s"
  fi
  # What the Dockerfile builds FROM must exist first.
  while read -r ref; do
    image_exists "$ref" && continue
    if [[ $ref == "$BASE_IMAGE" ]]; then
      ensure_base
    else
      try_pull "$ref" || fail "$name" "${dockerfile#"$ROOT"/} builds FROM $ref, which is not present locally and cannot be pulled"
    fi
  done < <(dockerfile_froms "$dockerfile")

  hash=$(build_inputs_hash "$dockerfile" "$ctx" "$name" "$image")
  if ! is_forced "$name" && image_exists "$image"; then
    h=$(image_label "$image" "$LABEL_HASH")
    if [[ $h == "$hash" ]]; then
      report "$name" "$image" "present locally (inputs unchanged)" "$t0"
      return 0
    fi
    why=" (inputs changed)"
  fi
  log "$name: docker build $image from ${dockerfile#"$ROOT"/} (log: $LOGS/$name-docker-build.log)"
  t=$(now)
  local args=()
  mapfile -t args < <(proxy_build_args)
  run_logged "$name" "$LOGS/$name-docker-build.log" "docker build of $image" \
    docker build --network host --pull=false "${args[@]}" \
    --label "$LABEL_HASH=$hash" \
    --label "$LABEL_BUILT=from ${dockerfile#"$ROOT"/} by scripts/provision-images" \
    -f "$dockerfile" -t "$image" "$ctx"
  report "$name" "$image" "built$why: docker build $(since "$t")s" "$t0"
}

ensure_media_service() {
  ensure_dockerfile_image media-service "$MEDIA_SERVICE_IMAGE" \
    "$ROOT/compose/media/Dockerfile" "$ROOT" "$ROOT/compose/media/scripts/prepare-build"
}
ensure_sts() {
  ensure_dockerfile_image sts "$STS_IMAGE" \
    "$ROOT/compose/sts/Dockerfile" "$ROOT/compose/sts" "$ROOT/compose/sts/scripts/prepare-build"
}
