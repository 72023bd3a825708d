# shellcheck shell=bash
# tests/bench/lib/common.sh: output, arithmetic and JSON helpers, a free port.
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# calc EXPR: floating point arithmetic (awk), printed with the given format (default %.2f).
calc() { awk "BEGIN { v = ($1); printf \"${2:-%.2f}\", v }"; }

# jnum JSON KEY: a number from the flat one-line JSON the Lua scripts and bench-db-ceiling print;
# 0 when the key is absent (a status that never occurred) or null.
jnum() {
  local v
  v=$(sed -n 's/.*"'"$2"'":\([-0-9.eE+]*\).*/\1/p' <<<"$1")
  printf '%s\n' "${v:-0}"
}

json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# A port nothing listens on, below the kernel's ephemeral range when there is room: a burst
# leaves thousands of the client's ephemeral ports in TIME_WAIT for a minute, and nginx cannot
# bind a port that one of them still holds (a run started right after another failed so).
free_port() {
  local p lo=20000 span=30000 eph
  read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || eph=0
  if [ "${eph:-0}" -gt 11024 ]; then lo=10000; span=$(( eph - 10000 )); fi
  for _ in $(seq 1 50); do
    p=$(( lo + RANDOM % span ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}
