# The host's apt configuration, read at run time (nothing is hard-coded): sources, proxies, validity checks.
# Sourced by scripts/provision-images (its pins, CACHE, LOGS and option variables are set there).
# shellcheck shell=bash disable=SC2154

# Host apt configuration (read at run time; nothing is hard-coded)

# Print the host's enabled "deb" entries, one per line:
#   uri <TAB> suite <TAB> components <TAB> signed-by-path-or-"-"
host_apt_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    awk '
      { sub(/#.*/, "") }
      NF == 0 || $1 != "deb" { next }
      {
        i = 2; opts = ""
        if ($2 ~ /^\[/) {
          opts = $2
          while ($i !~ /\]$/ && i < NF) { i++; opts = opts " " $i }
          i++
        }
        uri = $i; suite = $(i + 1); comps = ""
        for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
        sb = "-"; n = split(opts, o, /[][ ]+/)
        for (k = 1; k <= n; k++) if (o[k] ~ /^signed-by=/) sb = substr(o[k], 11)
        if (uri != "" && suite != "") print uri "\t" suite "\t" comps "\t" sb
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    awk '
      function flush(   nt, nu, ns, a, b, c, T, U, S) {
        if (types != "" && tolower(enabled) != "no") {
          nt = split(types, T, /[ \t]+/); nu = split(uris, U, /[ \t]+/); ns = split(suites, S, /[ \t]+/)
          for (a = 1; a <= nt; a++) if (T[a] == "deb")
            for (b = 1; b <= nu; b++) for (c = 1; c <= ns; c++)
              print U[b] "\t" S[c] "\t" comps "\t" (sb == "" ? "-" : sb)
        }
        types = uris = suites = comps = sb = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { next }
      {
        p = index($0, ":"); if (p == 0) next
        key = tolower(substr($0, 1, p - 1)); val = substr($0, p + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val)
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "components") comps = val
        else if (key == "signed-by") sb = val
        else if (key == "enabled") enabled = val
      }
      END { flush() }' "$f"
  done
}

# The host's apt settings needed to reach its mirror: proxies (incl. per-host ones)
# and the validity checks a snapshot mirror needs relaxed. apt.conf syntax.
host_apt_conf() {
  apt-config dump 2>/dev/null |
    grep -E '^Acquire::(https?|ftp)::Proxy|^Acquire::(Check-Valid-Until|Check-Date|Max-ValidTime) ' || true
}

# Value of Acquire::<scheme>::Proxy (global one only), empty if none or DIRECT.
host_apt_proxy() {
  local v
  v=$(apt-config dump 2>/dev/null | awk -v k="Acquire::$1::Proxy" '$1 == k { gsub(/[";]/, "", $2); print $2; exit }')
  [[ -n $v && $v != DIRECT && $v != false ]] && echo "$v"
  return 0
}
