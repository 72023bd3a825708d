#!/usr/bin/env bash
# stack.sh: the local stack. A private MariaDB, Redis, FastCGI pool and nginx for one var dir.
#
#   conf/local/stack.sh run            start everything, stay in the foreground; Ctrl-C stops it
#   conf/local/stack.sh start          start everything, return once /api/health answers 200
#   conf/local/stack.sh stop           stop everything started for this var dir (idempotent)
#   conf/local/stack.sh status         one line per component: running or stopped
#   conf/local/stack.sh restart-fcgi   restart only the pool, with the caller's environment
#   conf/local/stack.sh restart-nginx  restart only nginx, its config rendered from the caller's environment
#   conf/local/stack.sh reload-fcgi    reload the pool gracefully (SIGUSR2: conf file and binary
#                                      as they are now, same master, same socket)
#   conf/local/stack.sh stop-redis | start-redis | stop-db | start-db
#
# Inputs (environment first, then conf/flashsale.conf, then the default):
#   FLASHSALE_VAR_DIR    var_dir    ./var       all state: mysql/ run/ log/ tmp/ conf/
#   FLASHSALE_HTTP_PORT  http_port  8080        nginx listens on 127.0.0.1 only
#   FLASHSALE_BIN_DIR               build/bin   where flashsale-{fcgi,migrate,release-expired} are
#   FLASHSALE_EXPIRY_INTERVAL       5           seconds between expiry runs; 0 = no expiry loop
#   FLASHSALE_CONFIG                conf/flashsale.conf
#   FLASHSALE_DB_NAME/_USER/_PASSWORD  db_name/db_user/db_password: the account created for the app
#   FLASHSALE_ADMISSION_LIMIT  admission_limit  1024   /api/ requests nginx lets through at once
#   FLASHSALE_RATE_LIMIT_PER_SECOND / _BURST  rate_limit_per_second (0 = off) / rate_limit_burst
# Relative paths are taken from the repository root, which this script finds from its own path.
#
# DESIGN
# Nothing listens on the network except nginx on 127.0.0.1:PORT. MariaDB (skip-networking), Redis
# (port 0) and the pool talk over unix sockets in $VAR/run, a directory only the owner can enter,
# so two stacks with different var dirs and ports never collide, and an ordinary user can run
# one without touching /etc or any system service. FLASHSALE_VAR_DIR is exported (absolute) to
# every child: the binaries resolve the relative socket paths of conf/flashsale.conf against it.
#
# Every component is started by spawn(): in its own session (setsid), stdio on its log file, its
# pid in $VAR/run/<component>.pid. The pid files are the only record: `stop` works from any shell,
# after `start` returned or after `run` was killed with SIGKILL. Stopping sends SIGTERM to the
# component's main process only, waits up to 10 s, then SIGKILLs its whole process group, so no
# worker, sleep or job run is left behind. The pool's component is a supervisor
# (lib/supervise.sh, pid in run/fcgi-supervisor.pid) that restarts the master when it dies, as
# systemd does in production; it passes SIGTERM on to the master (pid in run/fcgi.pid), which
# drains its workers. Because the children have their own sessions, Ctrl-C reaches only this
# script, which then stops them in order: nginx first (no new requests), the pool, and the
# databases last.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

STACK_SELF=$(readlink -f "${BASH_SOURCE[0]}")
STACK_REPO=$(cd "$(dirname "$STACK_SELF")/../.." && pwd)
readonly STACK_SELF STACK_REPO
cd "$STACK_REPO"

# The functions, one file per concern (sourcing them only defines functions and constants).
readonly STACK_LIB=${STACK_SELF%/*}/lib
# shellcheck source=lib/config.sh
source "$STACK_LIB/config.sh"
# shellcheck source=lib/output.sh
source "$STACK_LIB/output.sh"
# shellcheck source=lib/proc.sh
source "$STACK_LIB/proc.sh"
# shellcheck source=lib/components.sh
source "$STACK_LIB/components.sh"
# shellcheck source=lib/supervise.sh
source "$STACK_LIB/supervise.sh"

readonly STACK_STOP_TIMEOUT=10    # seconds between SIGTERM and SIGKILL
readonly STACK_START_TIMEOUT=60   # seconds for the whole stack to answer /api/health
readonly STACK_COMPONENTS_UP=(mariadb redis fcgi nginx expiry)
# fcgi-master: a pool whose supervisor was killed (see lib/proc.sh); normally the supervisor
# stops it.
readonly STACK_COMPONENTS_DOWN=(nginx expiry fcgi fcgi-master redis mariadb)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

# Set to 1 once `start` succeeded: from then on the processes must outlive this script.
STACK_KEEP=0

on_exit() {
  local rc=$?
  trap - EXIT
  # A second Ctrl-C, or make passing its own SIGTERM on, must not cut the cleanup short.
  trap '' INT TERM HUP
  if [ "$STACK_KEEP" -ne 1 ]; then
    [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || show_logs
    say "stopping the stack in $VAR"
    stack_down
  fi
  exit "$rc"
}

# Startup shared by `run` and `start`: returns once /api/health answers 200 through nginx.
stack_up() {
  local c
  for c in "${STACK_COMPONENTS_DOWN[@]}"; do
    ! pid_alive "$c" >/dev/null || die "a stack is already running in $VAR ($c): $0 stop"
  done
  for c in flashsale-fcgi flashsale-migrate flashsale-release-expired; do
    [ -x "$BIN/$c" ] || die "$BIN/$c not found: run 'make all' first"
  done
  port_is_free || die "127.0.0.1:$PORT is already in use (set FLASHSALE_HTTP_PORT)"

  # nginx's 4096 connections per worker, MariaDB's 500 clients and the benchmark's sockets need
  # more descriptors than the usual soft limit of 1024; the hard limit is ours to take.
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
  [ "$(ulimit -Sn)" -ge "$hard" ] 2>/dev/null || ulimit -Sn "$hard" 2>/dev/null || true

  local t0=$SECONDS
  mark_logs
  # From here on, any exit (an error, Ctrl-C, SIGTERM, hangup) stops what was started.
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  stack_prepare
  # MariaDB and Redis start in parallel; the rest needs them.
  db_start
  redis_start
  db_wait
  redis_wait
  say "mariadb and redis are up"
  db_provision
  db_migrate
  fcgi_start
  nginx_start
  wait_until 20 fcgi fcgi_socket_ready
  wait_until 20 nginx nginx_answers
  expiry_start
  wait_until "$STACK_START_TIMEOUT" fcgi health_is_ok \
    || { say "GET /api/health did not answer 200"; return 1; }
  say "stack is up in $((SECONDS - t0))s: http://127.0.0.1:$PORT/ (state in $VAR)"
}

# Not `stack_up || exit`: bash ignores set -e inside a function called as a condition.
cmd_start() {
  stack_up
  STACK_KEEP=1
}

# `run`: the stack lives as long as this process. on_exit stops it on Ctrl-C, SIGTERM, SIGHUP.
cmd_run() {
  stack_up
  cat <<EOF

  API:    http://127.0.0.1:$PORT/api/
  Try:    curl http://127.0.0.1:$PORT/api/products/1
  Logs:   $LOG/
  Stop:   Ctrl-C

EOF
  # A component dying is reported and the others keep serving (stop-redis/start-redis from
  # another shell is a normal thing to do). Once nothing is left (`stack.sh stop` from another
  # shell), there is nothing to wait for.
  local pid c
  while :; do
    pid=''
    if wait -n -p pid; then :; fi
    if [ -n "$pid" ]; then
      for c in "${STACK_COMPONENTS_UP[@]}"; do
        if [ "$(cat "$(pid_file "$c")" 2>/dev/null)" = "$pid" ]; then
          say "$c (pid $pid) exited; see $LOG/"
        fi
      done
    else
      sleep 1   # no children of ours left, but restarted components may still run
    fi
    for c in "${STACK_COMPONENTS_UP[@]}"; do
      if pid_alive "$c" >/dev/null; then continue 2; fi
    done
    say "every component has stopped"
    exit 0
  done
}

cmd_stop() {
  [ -d "$RUN" ] || return 0
  stack_down
}

cmd_status() {
  local c pid master
  for c in "${STACK_COMPONENTS_UP[@]}"; do
    if pid=$(pid_alive "$c"); then
      if [ "$c" = fcgi ]; then
        master=$(pid_alive fcgi-master) || master='none (restarting)'
        printf '%-8s running (pid %s, master %s)\n' "$c" "$pid" "$master"
      else
        printf '%-8s running (pid %s)\n' "$c" "$pid"
      fi
    elif [ "$c" = fcgi ] && master=$(pid_alive fcgi-master); then
      printf '%-8s stopped, but its master still runs unsupervised (pid %s): restart-fcgi\n' \
        "$c" "$master"
    else
      printf '%-8s stopped\n' "$c"
    fi
  done
}

# The new supervisor, and so every master it starts, runs with the caller's environment.
cmd_restart_fcgi() {
  mark_logs
  stop_component fcgi
  stop_component fcgi-master
  fcgi_start
  if ! wait_until 20 fcgi fcgi_socket_ready || ! wait_until 30 fcgi pool_answers; then
    show_logs
    die "the pool did not come back"
  fi
  say "fcgi restarted (master pid $(cat "$(pid_file fcgi-master)" 2>/dev/null))"
}

# nginx's config is rendered again first (admission_limit, rate_limit_per_second...: the tests
# change those for a while) and checked, so a bad setting stops here with the old nginx serving.
cmd_restart_nginx() {
  mark_logs
  nginx_render
  nginx_check || die "the rendered nginx config is refused; nginx not restarted"
  stop_component nginx
  nginx_start
  if ! wait_until 20 nginx nginx_answers || ! wait_until 30 nginx pool_answers; then
    show_logs
    die "nginx did not come back"
  fi
  say "nginx restarted (pid $(cat "$(pid_file nginx)" 2>/dev/null))"
}

# SIGUSR2 to the master (app/process/reload.h), then its verdict from the pool's log: the new
# image saying "reloaded", or the old one "reload refused" (it keeps running). The master keeps
# its pid and environment: the caller's environment plays no part here.
cmd_reload_fcgi() {
  local master offset
  master=$(pid_alive fcgi-master) || die "the pool is not running"
  offset=$(stat -c %s "$LOG/flashsale.log" 2>/dev/null || echo 0)
  kill -USR2 "$master"
  reload_verdict() {
    tail -c +"$(( offset + 1 ))" "$LOG/flashsale.log" | grep -qE 'reloaded: master|reload refused'
  }
  # No liveness check while waiting: during the exec itself /proc/<pid>/cmdline and environ can
  # read empty for a moment, and the master would look gone. Its pid is checked after.
  wait_until 30 "" reload_verdict || die "no verdict from the pool within 30 s"
  pid_alive fcgi-master >/dev/null || die "the pool's master is gone after the reload; see $LOG/flashsale.log"
  if tail -c +"$(( offset + 1 ))" "$LOG/flashsale.log" | grep -q 'reload refused'; then
    tail -c +"$(( offset + 1 ))" "$LOG/flashsale.log" | tail -n 5 >&2
    die "the pool refused the reload and keeps its old configuration"
  fi
  say "fcgi reloaded (master pid $master)"
}

cmd_start_db() {
  mark_logs
  db_start
  db_wait || { show_logs; die "MariaDB did not start"; }
  say "mariadb started"
}

cmd_start_redis() {
  mark_logs
  redis_start
  redis_wait || { show_logs; die "Redis did not start"; }
  say "redis started"
}

usage() {
  sed -n '2,13p' "$STACK_SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  [ $# -eq 1 ] || usage
  stack_load_config
  case "$1" in
    run) cmd_run ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart-fcgi) cmd_restart_fcgi ;;
    restart-nginx) cmd_restart_nginx ;;
    reload-fcgi) cmd_reload_fcgi ;;
    stop-redis) stop_component redis ;;
    start-redis) cmd_start_redis ;;
    stop-db) stop_component mariadb ;;
    start-db) cmd_start_db ;;
    __expiry-loop) expiry_loop ;;
    __fcgi-supervise) fcgi_supervise ;;
    *) usage ;;
  esac
}

main "$@"

