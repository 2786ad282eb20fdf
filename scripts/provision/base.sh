# 1. base: debian:bookworm-slim (pulled, else debootstrap from the host's apt mirror and docker import).
# Sourced by scripts/provision-images (its pins, CACHE, LOGS and option variables are set there).
# shellcheck shell=bash disable=SC2154

BASE_WORK=""
cleanup_base_work() {
  [[ -n $BASE_WORK && -d $BASE_WORK ]] || return 0
  # Unmount anything debootstrap left mounted inside the rootfs before deleting it.
  awk -v r="$BASE_WORK/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$BASE_WORK"
  BASE_WORK=""
}
trap cleanup_base_work EXIT

# base_apt_config ROOTFS ENTRIES: apt and dpkg settings of the new rootfs (the host's sources and
# proxies; the official slim image's minimizing config).
base_apt_config() {
  local rootfs=$1 entries=$2
  # apt sources: the host's bookworm entries, in deb822 form.
  rm -f "$rootfs/etc/apt/sources.list"
  mkdir -p "$rootfs/etc/apt/sources.list.d" "$rootfs/etc/apt/apt.conf.d"
  local uri suite ecomps sb
  {
    while IFS=$'\t' read -r uri suite ecomps sb; do
      [[ -n $uri ]] || continue
      printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\n' "$uri" "$suite" "$ecomps"
      if [[ $sb != - && $sb == /* && -f $sb ]]; then
        if [[ ! -e $rootfs$sb ]]; then
          mkdir -p "$(dirname "$rootfs$sb")"
          cp "$sb" "$rootfs$sb"
        fi
        printf 'Signed-By: %s\n' "$sb"
      fi
      printf '\n'
    done <<<"$entries"
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"

  # The host's proxy / validity settings, so apt works in images built FROM this one.
  local conf
  conf=$(host_apt_conf)
  if [[ -n $conf ]]; then
    printf '// Copied from the build host by scripts/provision-images.\n%s\n' "$conf" \
      >"$rootfs/etc/apt/apt.conf.d/90dubctl-host"
  fi

  # What the official slim image configures (debuerreotype's minimizing config).
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
}

# base_clean ROOTFS RESOLV_ADDED: package lists, caches, logs, host identity, docs (like the slim image).
base_clean() {
  local rootfs=$1 resolv_added=$2
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/var/lib/dpkg/*-old "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.cache
  find "$rootfs/var/log" -type f -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/groff/* \
    "$rootfs"/usr/share/lintian/* "$rootfs"/usr/share/linda/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  ((resolv_added)) && rm -f "$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  [[ -e $rootfs/etc/machine-id ]] && : >"$rootfs/etc/machine-id"
  return 0
}

build_base() {
  local logf="$LOGS/base-debootstrap.log" t entries mirror comps scheme http_p https_p
  command -v debootstrap >/dev/null || fail base "debootstrap is not installed (scripts/bootstrap installs it)"
  [[ $(id -u) == 0 ]] || fail base "building $BASE_IMAGE with debootstrap needs root"

  # The host's own bookworm entries: main, -updates, -security (whatever it has).
  entries=$(host_apt_entries | awk -F'\t' -v s="$BASE_SUITE" \
    '$2 == s || $2 == s "-updates" || $2 == s "-security" { if (!seen[$0]++) print }')
  mirror=$(awk -F'\t' -v s="$BASE_SUITE" '$2 == s { print $1; exit }' <<<"$entries")
  comps=$(awk -F'\t' -v s="$BASE_SUITE" '$2 == s { print $3; exit }' <<<"$entries")
  [[ -n $mirror ]] || fail base "the host's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/) have no enabled 'deb ... $BASE_SUITE' entry, so there is no mirror to debootstrap from"
  scheme=${mirror%%:*}
  case $scheme in
    http | https | file) ;;
    *) fail base "host mirror uses the '$scheme:' scheme, which debootstrap cannot fetch from" ;;
  esac
  http_p=$(host_apt_proxy http)
  https_p=$(host_apt_proxy https)
  # Proxies for debootstrap (it fetches with wget) and apt in the chroot: the host's
  # apt ones, else whatever the environment has.
  local penv=() v opts=()
  [[ -n $http_p ]] && penv+=("http_proxy=$http_p")
  [[ -n $https_p ]] && penv+=("https_proxy=$https_p")
  for v in http_proxy https_proxy no_proxy; do
    [[ -n ${!v:-} && " ${penv[*]} " != *" $v="* ]] && penv+=("$v=${!v}")
  done
  ((${#penv[@]})) && log "base: using the host's proxy settings"
  grep -q '^https:' <<<"$entries" && opts+=(--include=ca-certificates)

  BASE_WORK=$(mktemp -d "$CACHE/base-rootfs.XXXXXX")
  local rootfs=$BASE_WORK/rootfs
  mkdir -p "$CACHE/debootstrap-debs"
  log "base: debootstrap --variant=minbase $BASE_SUITE from the host's apt mirror (log: $logf)"
  t=$(now)
  run_logged base "$logf" "debootstrap" \
    env "${penv[@]}" \
    debootstrap --variant=minbase --components="${comps// /,}" "${opts[@]}" \
    --cache-dir="$CACHE/debootstrap-debs" "$BASE_SUITE" "$rootfs" "$mirror"
  BASE_T_DEBOOTSTRAP=$(since "$t")

  base_apt_config "$rootfs" "$entries"

  # Pull in bookworm-updates / -security like the host has (the official image
  # ships them applied). Needs DNS inside the chroot.
  local resolv_added=0
  if [[ ! -s $rootfs/etc/resolv.conf && -r /etc/resolv.conf ]]; then
    rm -f "$rootfs/etc/resolv.conf"
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    resolv_added=1
  fi
  log "base: applying updates from the host's ${BASE_SUITE}-updates/-security entries (log: $LOGS/base-upgrade.log)"
  t=$(now)
  run_logged base "$LOGS/base-upgrade.log" "apt-get upgrade in the new rootfs" \
    chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "${penv[@]}" \
    sh -c 'apt-get update && apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade && apt-get clean'
  BASE_T_UPGRADE=$(since "$t")

  base_clean "$rootfs" "$resolv_added"

  log "base: docker import -> $BASE_IMAGE"
  t=$(now)
  local label="$LABEL_BUILT=debootstrap --variant=minbase $BASE_SUITE from the build host's apt mirror by scripts/provision-images"
  tar --numeric-owner --one-file-system -C "$rootfs" -c . |
    docker import \
      --change 'CMD ["bash"]' \
      --change "LABEL \"${label%%=*}\"=\"${label#*=}\"" \
      --change "LABEL \"dubctl.base-build-date\"=\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"" \
      --message "debian $BASE_SUITE minbase, built locally by scripts/provision-images" \
      - "$BASE_IMAGE" >"$LOGS/base-import.log" 2>&1 ||
    fail base "docker import of the debootstrap rootfs as $BASE_IMAGE failed (log: $LOGS/base-import.log)"
  BASE_T_IMPORT=$(since "$t")
  cleanup_base_work
}

ensure_base() {
  [[ -n ${HANDLED[base]:-} ]] && return 0
  local t0
  t0=$(now)
  if ! is_forced base && image_exists "$BASE_IMAGE"; then
    report base "$BASE_IMAGE" "present locally" "$t0"
    return 0
  fi
  if try_pull "$BASE_IMAGE"; then
    report base "$BASE_IMAGE" "pulled" "$t0"
    return 0
  fi
  build_base
  report base "$BASE_IMAGE" "built locally: debootstrap ${BASE_T_DEBOOTSTRAP}s, upgrade ${BASE_T_UPGRADE}s, import ${BASE_T_IMPORT}s" "$t0"
}
