# 2. mediamtx: dubctl/mediamtx:<version>-mediacommon<v>: the Go module (with MEDIAMTX_DEPS) built on the
#    host + hls.js from npm, in an image like upstream's -ffmpeg one.
# Sourced by scripts/provision-images (its pins, CACHE, LOGS and option variables are set there).
# shellcheck shell=bash disable=SC2154

# Print "<major>.<minor>.<patch>" of a go binary, empty if it does not run.
go_version_of() {
  local v
  v=$(GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || v=""
  [[ -n $v ]] || v=$("$1" version 2>/dev/null | awk '{ print $3 }') || true
  v=${v#go}
  v=${v%%[!0-9.]*}
  echo "$v"
}
version_ge() { [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]; }

# Go binaries on this machine, best guess first.
go_candidates() {
  local g
  command -v go 2>/dev/null || true
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go /usr/lib/go-*/bin/go "$HOME"/sdk/go*/bin/go \
    "$CACHE"/go-toolchains/*/bin/go; do
    [[ -x $g ]] && echo "$g"
  done
  return 0
}

# Print some working go binary; install Debian's golang-go when there is none.
any_go() {
  local g
  while read -r g; do
    [[ -n $(go_version_of "$g") ]] && { echo "$g"; return 0; }
  done < <(go_candidates)
  [[ $(id -u) == 0 ]] || fail mediamtx "no Go toolchain found; install Debian's golang-go (needs root)"
  log "mediamtx: no Go found; installing Debian's golang-go (log: $LOGS/mediamtx-golang-go.log)"
  if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1) ]]; then
    apt-get update -qq >>"$LOGS/mediamtx-golang-go.log" 2>&1 || true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go \
    >>"$LOGS/mediamtx-golang-go.log" 2>&1 ||
    fail mediamtx "apt-get install golang-go failed (log: $LOGS/mediamtx-golang-go.log)"
  for g in "$(command -v go || true)" /usr/lib/go/bin/go; do
    [[ -x $g ]] && { echo "$g"; return 0; }
  done
  fail mediamtx "golang-go installed but no go binary found"
}

# Print the path of a go binary >= NEED. When there is none, fetch the toolchain
# WANT as a Go module (golang.org/toolchain@v0.0.1-go<WANT>.<os>-<arch>) from the Go
# proxy the host's go is configured with (`go env GOPROXY`).
find_go() {
  local need=$1 want=$2 g v boot os arch mod json dir dest
  while read -r g; do
    v=$(go_version_of "$g")
    if [[ -n $v ]] && version_ge "$v" "$need"; then
      echo "$g"
      return 0
    fi
  done < <(go_candidates)

  boot=$(any_go)
  os=$(GOTOOLCHAIN=local "$boot" env GOHOSTOS)
  arch=$(GOTOOLCHAIN=local "$boot" env GOHOSTARCH)
  mod="golang.org/toolchain@v0.0.1-go$want.$os-$arch"
  log "mediamtx: Go >= $need needed, found go $(go_version_of "$boot"); fetching $mod from the Go proxy in 'go env GOPROXY'"
  json=$(cd "$CACHE" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on "$boot" mod download -json "$mod" 2>"$LOGS/mediamtx-toolchain.log") ||
    fail mediamtx "no Go >= $need on this machine and $mod could not be downloaded from the Go proxy named by 'go env GOPROXY' (log: $LOGS/mediamtx-toolchain.log)"
  dir=$(jq -r '.Dir // empty' <<<"$json")
  [[ -n $dir && -f $dir/bin/go ]] || fail mediamtx "toolchain module $mod has no bin/go"
  # The module cache is read-only and module zips carry no exec bits: copy, then chmod.
  dest="$CACHE/go-toolchains/go$want"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  cp -r "$dir" "$dest"
  chmod -R u+w "$dest"
  chmod +x "$dest"/bin/* "$dest"/pkg/tool/*/*
  v=$(go_version_of "$dest/bin/go")
  version_ge "$v" "$need" || fail mediamtx "toolchain from $mod does not run (got '$v')"
  echo "$dest/bin/go"
}

# Build the static mediamtx binary on the host into MTX_BIN; reused when present.
MTX_BIN=""
MTX_T_GO=""
build_mediamtx_binary() {
  local dir="$CACHE/mediamtx/$MEDIAMTX_VERSION" json moddir src need want gobin hlsv tgz t anygo dep
  MTX_BIN="$dir/mediamtx"
  if [[ -x $MTX_BIN && -f $dir/src/mediamtx.yml && $("$MTX_BIN" --version 2>/dev/null) == "$MEDIAMTX_VERSION" &&
    $(cat "$dir/deps" 2>/dev/null) == "${MEDIAMTX_DEPS[*]}" ]] && ! is_forced mediamtx; then
    MTX_T_GO="reused (cached binary)"
    return 0
  fi
  mkdir -p "$dir"

  # Source: the Go module, from the host's Go proxy.
  anygo=$(any_go)
  log "mediamtx: go mod download $MEDIAMTX_MODULE@$MEDIAMTX_VERSION"
  json=$(cd "$CACHE" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on "$anygo" mod download -json "$MEDIAMTX_MODULE@$MEDIAMTX_VERSION" 2>"$LOGS/mediamtx-mod-download.log") ||
    fail mediamtx "go mod download $MEDIAMTX_MODULE@$MEDIAMTX_VERSION failed (log: $LOGS/mediamtx-mod-download.log)"
  moddir=$(jq -r '.Dir // empty' <<<"$json")
  [[ -n $moddir && -d $moddir ]] || fail mediamtx "module dir for $MEDIAMTX_MODULE@$MEDIAMTX_VERSION not found"
  src="$dir/src"
  rm -rf "$src"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"

  # Files upstream creates with `go generate` (those generators download from the web):
  #  - internal/core/VERSION           (versiongetter: `git describe`)
  #  - internal/servers/hls/hls.min.js (hlsjsdownloader: hls.js at hlsjsdownloader/VERSION)
  # Every other go:embed input (webrtc pages, hls index.html) ships in the module;
  # the rpicamera ones are embedded on arm only.
  printf '%s\n' "$MEDIAMTX_VERSION" >"$src/internal/core/VERSION"
  hlsv=$(tr -d '[:space:]' <"$src/internal/servers/hls/hlsjsdownloader/VERSION")
  hlsv=${hlsv#v}
  [[ -n $hlsv ]] || fail mediamtx "cannot read the pinned hls.js version"
  command -v npm >/dev/null || fail mediamtx "npm is needed to fetch hls.js@$hlsv (apt-get install npm)"
  mkdir -p "$CACHE/npm"
  tgz="$CACHE/npm/hls.js-$hlsv.tgz"
  if [[ ! -s $tgz ]]; then
    log "mediamtx: npm pack hls.js@$hlsv"
    (cd "$CACHE/npm" && npm pack --silent "hls.js@$hlsv") >"$LOGS/mediamtx-npm-pack.log" 2>&1 ||
      fail mediamtx "npm pack hls.js@$hlsv failed (log: $LOGS/mediamtx-npm-pack.log)"
  fi
  tar -xzOf "$tgz" package/dist/hls.min.js >"$src/internal/servers/hls/hls.min.js" ||
    fail mediamtx "the hls.js@$hlsv package has no dist/hls.min.js"
  [[ -s $src/internal/servers/hls/hls.min.js ]] || fail mediamtx "empty hls.min.js"

  # A Go new enough for go.mod's go line (its toolchain line names the one to fetch).
  need=$(awk '$1 == "go" { print $2; exit }' "$src/go.mod")
  want=$(awk '$1 == "toolchain" { sub(/^go/, "", $2); print $2; exit }' "$src/go.mod")
  [[ -n $want ]] || want=$need
  gobin=$(find_go "$need" "$want")
  # The dependencies pinned over go.mod's (provision-images says why), from the same Go proxy.
  for dep in "${MEDIAMTX_DEPS[@]}"; do
    log "mediamtx: go get $dep"
    run_logged mediamtx "$LOGS/mediamtx-go-get.log" "go get $dep" \
      env -C "$src" GOTOOLCHAIN=local GOFLAGS=-mod=mod "$gobin" get "$dep"
  done
  log "mediamtx: go build with go $(go_version_of "$gobin") (CGO_ENABLED=0, -trimpath; log: $LOGS/mediamtx-go-build.log)"
  t=$(now)
  run_logged mediamtx "$LOGS/mediamtx-go-build.log" "go build" \
    env -C "$src" CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    "$gobin" build -trimpath -o "$MTX_BIN.tmp" .
  mv -f "$MTX_BIN.tmp" "$MTX_BIN"
  echo "${MEDIAMTX_DEPS[*]}" >"$dir/deps"
  MTX_T_GO="$(since "$t")s"
  [[ $("$MTX_BIN" --version 2>/dev/null) == "$MEDIAMTX_VERSION" ]] ||
    fail mediamtx "the built binary does not report $MEDIAMTX_VERSION"
}

mediamtx_recipe_hash() {
  {
    echo "recipe $RECIPE_REV $MEDIAMTX_MODULE@$MEDIAMTX_VERSION ${MEDIAMTX_DEPS[*]}"
    cat "$ROOT/compose/media/mediamtx/Dockerfile" "$ROOT/compose/media/mediamtx.yml"
  } | sha
}

ensure_mediamtx() {
  [[ -n ${HANDLED[mediamtx]:-} ]] && return 0
  local t0 dockerfile="$ROOT/compose/media/mediamtx/Dockerfile" hash why="" h b
  t0=$(now)
  [[ -f $dockerfile ]] || fail mediamtx "$dockerfile is missing"
  hash=$(mediamtx_recipe_hash)
  if ! is_forced mediamtx && image_exists "$MEDIAMTX_IMAGE"; then
    h=$(image_label "$MEDIAMTX_IMAGE" "$LABEL_HASH")
    b=$(image_label "$MEDIAMTX_IMAGE" "$LABEL_BASE")
    if [[ -z $h ]]; then
      report mediamtx "$MEDIAMTX_IMAGE" "present locally" "$t0"
      return 0
    fi
    if [[ $h == "$hash" ]] && { ! image_exists "$BASE_IMAGE" || [[ $b == "$(image_id "$BASE_IMAGE")" ]]; }; then
      report mediamtx "$MEDIAMTX_IMAGE" "present locally (built locally, inputs unchanged)" "$t0"
      return 0
    fi
    why=" (inputs changed)"
  fi
  ensure_base
  t0=$(now) # time the mediamtx build itself, not the base
  local ctx t tdocker
  build_mediamtx_binary
  ctx="$CACHE/mediamtx/$MEDIAMTX_VERSION/context"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp "$dockerfile" "$ctx/Dockerfile"
  cp "$MTX_BIN" "$ctx/mediamtx"
  cp "$ROOT/compose/media/mediamtx.yml" "$ctx/mediamtx.yml" # the project's config (no bind mount)
  log "mediamtx: docker build $MEDIAMTX_IMAGE FROM $BASE_IMAGE (log: $LOGS/mediamtx-docker-build.log)"
  t=$(now)
  local args=()
  mapfile -t args < <(proxy_build_args)
  run_logged mediamtx "$LOGS/mediamtx-docker-build.log" "docker build of $MEDIAMTX_IMAGE" \
    docker build --network host --pull=false "${args[@]}" \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "MEDIAMTX_VERSION=$MEDIAMTX_VERSION" \
    --build-arg "MEDIAMTX_DEPS=${MEDIAMTX_DEPS[*]}" \
    --label "$LABEL_HASH=$hash" \
    --label "$LABEL_BASE=$(image_id "$BASE_IMAGE")" \
    -t "$MEDIAMTX_IMAGE" "$ctx"
  tdocker=$(since "$t")
  report mediamtx "$MEDIAMTX_IMAGE" "built locally$why: go build ${MTX_T_GO}, docker build ${tdocker}s" "$t0"
}
