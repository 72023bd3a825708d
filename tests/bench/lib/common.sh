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

# A port nothing listens on, in a range away from the usual development ports.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}
