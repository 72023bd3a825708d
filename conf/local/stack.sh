#!/usr/bin/env bash
# stack.sh: the local stack. A private MariaDB, Redis, FastCGI pool and nginx for one var dir.
#
#   conf/local/stack.sh run            start everything, stay in the foreground; Ctrl-C stops it
#   conf/local/stack.sh start          start everything, return once /api/health answers 200
#   conf/local/stack.sh stop           stop everything started for this var dir (idempotent)
#   conf/local/stack.sh status         one line per component: running or stopped
#   conf/local/stack.sh restart-fcgi   restart only the pool, with the caller's environment
#   conf/local/stack.sh stop-redis | start-redis | stop-db | start-db
#
# Inputs (environment first, then conf/flashsale.conf, then the default):
#   FLASHSALE_VAR_DIR    var_dir    ./var       all state: mysql/ run/ log/ tmp/ conf/
#   FLASHSALE_HTTP_PORT  http_port  8080        nginx listens on 127.0.0.1 only
#   FLASHSALE_BIN_DIR               build/bin   where flashsale-{fcgi,migrate,release-expired} are
#   FLASHSALE_EXPIRY_INTERVAL       5           seconds between expiry runs; 0 = no expiry loop
#   FLASHSALE_CONFIG                conf/flashsale.conf
#   FLASHSALE_DB_NAME/_USER/_PASSWORD  db_name/db_user/db_password: the account created for the app
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
# component's main process only (the pool's master drains its workers itself), waits up to 10 s,
# then SIGKILLs its whole process group, so no worker, sleep or job run is left behind.
# Because the children have their own sessions, Ctrl-C reaches only this script, which then
# stops them in order: nginx first (no new requests), the pool, and the databases last.
set -euo pipefail

STACK_SELF=$(readlink -f "${BASH_SOURCE[0]}")
STACK_REPO=$(cd "$(dirname "$STACK_SELF")/../.." && pwd)
readonly STACK_SELF STACK_REPO
cd "$STACK_REPO"

readonly STACK_STOP_TIMEOUT=10    # seconds between SIGTERM and SIGKILL
readonly STACK_START_TIMEOUT=60   # seconds for the whole stack to answer /api/health
readonly STACK_COMPONENTS_UP=(mariadb redis fcgi nginx expiry)
readonly STACK_COMPONENTS_DOWN=(nginx expiry fcgi redis mariadb)

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

# Prints the value of KEY in the conf file (`key = value`, `#` comments, the last one wins, as in
# the C++ parser), or nothing.
conf_get() {
  [ -r "$STACK_CONF" ] || return 0
  awk -v want="$1" '
    { sub(/#.*/, "") }
    index($0, "=") {
      key = $0; sub(/=.*/, "", key); gsub(/^[ \t]+|[ \t\r]+$/, "", key)
      if (key != want) next
      val = $0; sub(/^[^=]*=/, "", val); gsub(/^[ \t]+|[ \t\r]+$/, "", val)
      found = 1; last = val
    }
    END { if (found) print last }' "$STACK_CONF"
}

# setting ENV_NAME KEY DEFAULT: the environment wins, then the conf file, then DEFAULT.
setting() {
  local value=${!1:-}
  [ -n "$value" ] || value=$(conf_get "$2")
  printf '%s\n' "${value:-$3}"
}

# Absolute path of $1, relative paths taken from the repository root.
abs_path() {
  case "$1" in
    /*) realpath -m -- "$1" ;;
    *) realpath -m -- "$STACK_REPO/$1" ;;
  esac
}

stack_load_config() {
  STACK_CONF=$(abs_path "${FLASHSALE_CONFIG:-conf/flashsale.conf}")
  VAR=$(abs_path "$(setting FLASHSALE_VAR_DIR var_dir ./var)")
  PORT=$(setting FLASHSALE_HTTP_PORT http_port 8080)
  BIN=$(abs_path "${FLASHSALE_BIN_DIR:-build/bin}")
  EXPIRY_INTERVAL=${FLASHSALE_EXPIRY_INTERVAL:-5}
  DB_NAME=$(setting FLASHSALE_DB_NAME db_name flashsale)
  DB_USER=$(setting FLASHSALE_DB_USER db_user flashsale)
  DB_PASSWORD=$(setting FLASHSALE_DB_PASSWORD db_password flashsale)
  RUN=$VAR/run
  LOG=$VAR/log
  MYSQL_SOCK=$RUN/mysqld.sock
  REDIS_SOCK=$RUN/redis.sock
  # The pool's address comes from the same setting the pool reads, so nginx always points at it.
  FCGI_LISTEN=$(setting FLASHSALE_FCGI_LISTEN fcgi_listen run/fcgi.sock)
  case "$FCGI_LISTEN" in
    *:*) FCGI_UPSTREAM=$FCGI_LISTEN; FCGI_SOCK= ;;
    /*) FCGI_SOCK=$FCGI_LISTEN; FCGI_UPSTREAM=unix:$FCGI_SOCK ;;
    *) FCGI_SOCK=$VAR/$FCGI_LISTEN; FCGI_UPSTREAM=unix:$FCGI_SOCK ;;
  esac
  export FLASHSALE_VAR_DIR=$VAR
  export FLASHSALE_CONFIG=$STACK_CONF

  if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "http port '$PORT' is not a port number"
  fi
  [[ "$EXPIRY_INTERVAL" =~ ^[0-9]+([.][0-9]+)?$ ]] \
    || die "FLASHSALE_EXPIRY_INTERVAL='$EXPIRY_INTERVAL' is not a number of seconds"
  # sun_path holds 107 bytes; past that the servers fail with obscure bind errors.
  [ "${#MYSQL_SOCK}" -le 107 ] || die "var dir path too long for unix sockets: $VAR"
}

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

# ---------------------------------------------------------------------------------------------
# Processes: spawn, liveness, stop
# ---------------------------------------------------------------------------------------------

# spawn COMPONENT LOGFILE COMMAND...: starts COMMAND in its own session, in the background,
# stdin from /dev/null, stdout+stderr appended to LOGFILE, and records its pid.
spawn() {
  local component=$1 log=$2
  shift 2
  (
    # Do not hand the caller's other descriptors (a test harness's pipes) to a daemon: whoever
    # reads them would wait for EOF until the stack stops.
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    # Background jobs of a script start with SIGINT ignored, and a caller (a test watchdog) may
    # ignore SIGTERM too; an ignored SIGTERM would survive exec and make `stop` wait for SIGKILL.
    exec setsid env --default-signal=INT,QUIT,TERM "$@" </dev/null >>"$log" 2>&1
  ) &
  echo "$!" >"$RUN/$component.pid"
}

# What each component's command line contains. nginx and redis-server rewrite their process
# title over their environment, so for them this is the only way to recognise them.
component_signature() {
  case "$1" in
    mariadb) echo mariadbd ;;
    redis) echo redis-server ;;
    fcgi) echo flashsale-fcgi ;;
    nginx) echo nginx ;;
    expiry) echo __expiry-loop ;;
  esac
}

# Prints the pid of COMPONENT if it is running (and not a zombie), else fails. A pid file can
# outlive its process (SIGKILL, reboot) and the pid be reused, so the process must also look
# like ours: its command line names the component, or (a wrapper script in FLASHSALE_BIN_DIR)
# its environment has this stack's FLASHSALE_VAR_DIR.
pid_alive() {
  local file=$RUN/$1.pid pid state cmdline
  [ -r "$file" ] || return 1
  read -r pid 2>/dev/null <"$file" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" || return 1
  [ "$state" != Z ] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  case "$1" in
    fcgi|expiry)
      # Started with this stack's environment: a pool or loop of another stack on this machine
      # has the same command line, and a reused pid must never make `stop` signal it.
      tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "FLASHSALE_VAR_DIR=$VAR" \
        || return 1 ;;
    *)
      if [[ "$cmdline" != *"$(component_signature "$1")"* ]]; then
        tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "FLASHSALE_VAR_DIR=$VAR" \
          || return 1
      fi ;;
  esac
  echo "$pid"
}

# stop_component NAME: SIGTERM, up to STACK_STOP_TIMEOUT s of grace, then SIGKILL to the group.
stop_component() {
  local component=$1 pid
  if pid=$(pid_alive "$component"); then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s%N) + STACK_STOP_TIMEOUT * 1000000000 ))
    while pid_alive "$component" >/dev/null; do
      if [ "$(date +%s%N)" -ge "$deadline" ]; then
        say "$component (pid $pid) ignored SIGTERM for ${STACK_STOP_TIMEOUT}s; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
    # Leftovers in its process group: a worker, the expiry loop's sleep or job run.
    kill -KILL -- "-$pid" 2>/dev/null || true
    say "$component stopped"
  fi
  rm -f "$RUN/$component.pid"
}

stack_down() {
  local c
  for c in "${STACK_COMPONENTS_DOWN[@]}"; do stop_component "$c"; done
}

# ---------------------------------------------------------------------------------------------
# Files under $VAR
# ---------------------------------------------------------------------------------------------

# render TEMPLATE OUTPUT USER_LINE: fills in @VAR@, @PORT@, @FCGI_UPSTREAM@ and @USER_LINE@.
render() {
  local esc_var esc_up
  esc_var=$(printf '%s' "$VAR" | sed 's/[\\|&]/\\&/g')
  esc_up=$(printf '%s' "$FCGI_UPSTREAM" | sed 's/[\\|&]/\\&/g')
  sed -e "s|@VAR@|$esc_var|g" -e "s|@PORT@|$PORT|g" -e "s|@FCGI_UPSTREAM@|$esc_up|g" \
      -e "s|@USER_LINE@|$3|g" "$1" >"$2.tmp"
  mv -f "$2.tmp" "$2"
}

stack_prepare() {
  mkdir -p "$VAR" "$RUN" "$LOG" "$VAR/tmp" "$VAR/conf/flashsale" "$VAR/conf/nginx-extra.d"
  # The sockets in run/ are the access control: MariaDB's root has no password.
  chmod 700 "$RUN"
  local db_user_line='' nginx_user_line=
  if [ "$(id -u)" -eq 0 ]; then
    db_user_line='user = root'
    nginx_user_line='user root root;'
  fi
  render conf/local/my.cnf.in "$VAR/conf/my.cnf" "$db_user_line"
  render conf/local/redis.conf.in "$VAR/conf/redis.conf" ""
  render conf/local/nginx.conf.in "$VAR/conf/nginx.conf" "$nginx_user_line"
  # The shared routing, copied so the rendered nginx.conf finds it relative to its own directory.
  cp -f conf/nginx/flashsale-api.conf conf/nginx/fastcgi_params "$VAR/conf/flashsale/"
}

# ---------------------------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------------------------

db_sql() { mariadb --no-defaults --socket="$MYSQL_SOCK" -uroot --connect-timeout=2 "$@"; }
db_ping() { db_sql -N -e 'SELECT 1' >/dev/null; }

# First start only: an existing datadir is never touched again, so data survives `make run`.
# --auth-root-authentication-method=normal gives root@localhost an empty password, which works
# for any OS user (socket auth would only admit an OS user named root); skip-networking and the
# private run/ directory keep it unreachable for anyone else. --cross-bootstrap skips the
# hostname lookup and the root@<hostname> account, which are useless without networking.
db_init() {
  [ -d "$VAR/mysql/mysql" ] && return 0
  say "initialising MariaDB datadir $VAR/mysql"
  local as_root=()
  [ "$(id -u)" -ne 0 ] || as_root=(--user=root)
  if ! mariadb-install-db --defaults-file="$VAR/conf/my.cnf" "${as_root[@]}" \
         --auth-root-authentication-method=normal --skip-test-db --cross-bootstrap \
         >>"$LOG/mariadb-install.log" 2>&1; then
    tail -n 25 "$LOG/mariadb-install.log" >&2
    rm -rf "$VAR/mysql"   # a half-made datadir would be taken for a good one next time
    die "mariadb-install-db failed"
  fi
}

db_start() {
  pid_alive mariadb >/dev/null && return 0
  db_init
  rm -f "$MYSQL_SOCK"
  spawn mariadb "$LOG/mariadb.log" mariadbd --defaults-file="$VAR/conf/my.cnf"
}

db_wait() { wait_until 30 mariadb db_ping; }

# The application's database and account, every start: cheap, and a password changed in the
# conf file takes effect.
db_provision() {
  local q_pw=${DB_PASSWORD//\\/\\\\}
  q_pw=${q_pw//\'/\\\'}
  local q_user=${DB_USER//\'/\\\'} q_db=${DB_NAME//\`/\`\`}
  db_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$q_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$q_user'@'localhost' IDENTIFIED BY '$q_pw';
ALTER USER '$q_user'@'localhost' IDENTIFIED BY '$q_pw';
GRANT ALL PRIVILEGES ON \`$q_db\`.* TO '$q_user'@'localhost';
SQL
}

# Migrations and seed: flashsale-migrate is safe to run twice. It reads sql_dir and log_config
# relative to its working directory, which is the repository root here.
db_migrate() {
  if ! "$BIN/flashsale-migrate" --config "$STACK_CONF" --seed >>"$LOG/migrate.log" 2>&1; then
    say "flashsale-migrate failed"
    return 1
  fi
  say "$(tail -n 1 "$LOG/migrate.log")"
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

redis_ping() { [ "$(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  pid_alive redis >/dev/null && return 0
  rm -f "$REDIS_SOCK"
  spawn redis "$LOG/redis.log" redis-server "$VAR/conf/redis.conf"
}

redis_wait() { wait_until 20 redis redis_ping; }

# ---------------------------------------------------------------------------------------------
# FastCGI pool, nginx, expiry loop
# ---------------------------------------------------------------------------------------------

fcgi_start() {
  [ -x "$BIN/flashsale-fcgi" ] || die "$BIN/flashsale-fcgi not found: run 'make all' first"
  pid_alive fcgi >/dev/null && return 0
  [ -z "$FCGI_SOCK" ] || rm -f "$FCGI_SOCK"   # so readiness below means the new pool's socket
  spawn fcgi "$LOG/flashsale.log" "$BIN/flashsale-fcgi" --config "$STACK_CONF"
}

fcgi_socket_ready() { [ -z "$FCGI_SOCK" ] || [ -S "$FCGI_SOCK" ]; }

nginx_start() {
  pid_alive nginx >/dev/null && return 0
  spawn nginx "$LOG/nginx-error.log" \
    nginx -p "$VAR/" -c "$VAR/conf/nginx.conf" -e "$LOG/nginx-error.log"
}

expiry_start() {
  # 0 (or 0.0): the caller drives the job itself, as the tests do.
  [[ ! "$EXPIRY_INTERVAL" =~ ^0*([.]0*)?$ ]] || return 0
  pid_alive expiry >/dev/null && return 0
  spawn expiry "$LOG/release-expired.log" "$BASH" "$STACK_SELF" __expiry-loop
}

# The expiry loop itself (runs in its own session, see expiry_start). The job takes a Redis lock,
# so a run that overlaps a manual one is harmless. On SIGTERM a job run in progress finishes
# (bash runs the trap after it), and the nap is killed and reaped rather than left to init.
expiry_loop() {
  local nap=''
  trap 'if [ -n "$nap" ]; then kill "$nap" 2>/dev/null; wait "$nap"; fi; exit 0' TERM
  while :; do
    "$BIN/flashsale-release-expired" --config "$STACK_CONF" || echo "[expiry] run failed ($?)"
    sleep "$EXPIRY_INTERVAL" &
    nap=$!
    wait "$nap" || true
    nap=''
  done
}

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
  for c in "${STACK_COMPONENTS_UP[@]}"; do
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
        if [ "$(cat "$RUN/$c.pid" 2>/dev/null)" = "$pid" ]; then
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
  local c pid
  for c in "${STACK_COMPONENTS_UP[@]}"; do
    if pid=$(pid_alive "$c"); then
      printf '%-8s running (pid %s)\n' "$c" "$pid"
    else
      printf '%-8s stopped\n' "$c"
    fi
  done
}

cmd_restart_fcgi() {
  mark_logs
  stop_component fcgi
  fcgi_start
  if ! wait_until 20 fcgi fcgi_socket_ready || ! wait_until 30 fcgi pool_answers; then
    show_logs
    die "the pool did not come back"
  fi
  say "fcgi restarted (pid $(pid_alive fcgi))"
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
  sed -n '2,10p' "$STACK_SELF" | sed 's/^# \{0,1\}//' >&2
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
    stop-redis) stop_component redis ;;
    start-redis) cmd_start_redis ;;
    stop-db) stop_component mariadb ;;
    start-db) cmd_start_db ;;
    __expiry-loop) expiry_loop ;;
    *) usage ;;
  esac
}

main "$@"
