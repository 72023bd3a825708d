# shellcheck shell=bash
# conf/local/lib/output.sh: messages, log excerpts for a failed start, waiting, HTTP probes.
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own.
# ---------------------------------------------------------------------------------------------
# Output and waiting
# ---------------------------------------------------------------------------------------------

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

readonly STACK_LOGS=(mariadb-install.log mariadb.log redis.log migrate.log flashsale.log
                     nginx-error.log)
declare -A LOG_MARK=()

# Remembers how long each log is, so a failure shows what this command added, not old runs.
mark_logs() {
  local f
  for f in "${STACK_LOGS[@]}"; do LOG_MARK[$f]=$(stat -c %s "$LOG/$f" 2>/dev/null || echo 0); done
}

# Prints the end of what each log got since mark_logs, for a failed start. The logs of a MariaDB
# or Redis that is still running are only noise, so they are left out.
show_logs() {
  local f new
  for f in "${STACK_LOGS[@]}"; do
    [ -s "$LOG/$f" ] || continue
    case "$f" in
      mariadb.log) ! pid_alive mariadb >/dev/null || continue ;;
      redis.log) ! pid_alive redis >/dev/null || continue ;;
    esac
    new=$(tail -c +"$(( ${LOG_MARK[$f]:-0} + 1 ))" "$LOG/$f" | tail -n 20)
    [ -n "$new" ] || continue
    printf '\n==> %s <==\n%s\n' "$LOG/$f" "$new" >&2
  done
}

# wait_until SECONDS COMPONENT CHECK...: runs CHECK every 0.1 s until it succeeds. Fails at the
# deadline, or at once when COMPONENT's process has died (no point waiting for a corpse).
wait_until() {
  local timeout=$1 component=$2
  shift 2
  local deadline=$(( $(date +%s%N) + timeout * 1000000000 ))
  while ! "$@" 2>/dev/null; do
    if [ -n "$component" ] && ! pid_alive "$component" >/dev/null; then
      say "$component exited during startup"
      return 1
    fi
    [ "$(date +%s%N)" -lt "$deadline" ] || { say "timed out after ${timeout}s: $*"; return 1; }
    sleep 0.1
  done
}

# HTTP status of GET $1 through nginx, or 000 when nothing answers. --noproxy: an http_proxy in
# the caller's environment must not send a loopback request elsewhere.
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 2 "http://127.0.0.1:$PORT$1" \
    || true
}
health_is_ok() { [ "$(http_status /api/health)" = 200 ]; }
# The pool answered through nginx at all: anything but nginx's own 502/504 (or no answer).
pool_answers() {
  case "$(http_status /api/health)" in 000 | 502 | 504) return 1 ;; *) return 0 ;; esac
}
nginx_answers() { [ "$(http_status /)" != 000 ]; }
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

