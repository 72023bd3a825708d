# shellcheck shell=bash
# tests/bench/lib/stack.sh: the throwaway stack and the ceiling responder, and talking to them
# (admin API, database, processes).
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.

stack() {
  FLASHSALE_VAR_DIR=$VAR FLASHSALE_HTTP_PORT=$PORT FLASHSALE_EXPIRY_INTERVAL=0 \
  FLASHSALE_WORKERS=$WORKERS FLASHSALE_WEBHOOK_SECRET=$WEBHOOK_SECRET \
  FLASHSALE_ADMIN_TOKEN=$ADMIN_TOKEN FLASHSALE_LOG_CONFIG=$VAR/conf/log4cplus-bench.properties \
  "$STACK" "$@"
}

# The shipped log config with the pool's access line on: "where the time goes" reads the time
# each request spent in a worker from it (pool_service_times).
write_log_config() {
  mkdir -p "$VAR/conf"
  sed 's/^log4cplus.logger.flashsale.access=.*/log4cplus.logger.flashsale.access=INFO/' \
    "$REPO/conf/log4cplus.properties" >"$VAR/conf/log4cplus-bench.properties"
}

# Runs on every exit (success, failure, Ctrl-C): stop what this script started.
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  [ "$rc" -lt 128 ] || say "interrupted; stopping the stack"
  if [ -n "$CEILING_PID" ] && kill -0 "$CEILING_PID" 2>/dev/null; then
    kill -TERM "$CEILING_PID" 2>/dev/null || true
    wait "$CEILING_PID" 2>/dev/null || true
  fi
  if [ "$STACK_STARTED" = 1 ]; then
    stack stop >>"$VAR/log/bench-stack.log" 2>&1 || say "stack.sh stop failed; see $VAR/log/"
    # A clean run keeps only what is worth reading (results, logs): the datadir (~150 MB) and
    # nginx's access log (a line per request) go. A failed run keeps everything to look at.
    if [ "$rc" -eq 0 ] && [ "${BENCH_KEEP_DB:-0}" != 1 ] && [ ! -e "$VAR/run/mariadb.pid" ]; then
      rm -rf "$VAR/mysql" "$VAR/tmp" "$VAR/log/nginx-access.log"
    fi
  fi
  exit "$rc"
}

# The bench locations go into the stack's nginx before it starts (stack.sh includes
# $VAR/conf/nginx-extra.d/*.conf in its server block). /bench/fcgi uses the same FastCGI
# parameters and settings as the stack's /api/ location (conf/nginx/flashsale-api.conf: no
# keep-alive to the pool, same buffers, a request id), so the ceiling pays for exactly the same
# nginx work as a real request.
write_nginx_extra() {
  mkdir -p "$VAR/conf/nginx-extra.d"
  cat >"$VAR/conf/nginx-extra.d/bench.conf" <<EOF
# Written by tests/bench/run.sh: the benchmark's ceilings.
location = /bench/static {
    default_type application/json;
    return 200 '{"ok":true}';
}
location = /bench/fcgi {
    fastcgi_pass unix:$VAR/run/bench-fcgi.sock;
    include flashsale/fastcgi_params;
    fastcgi_param REQUEST_ID \$request_id;
    add_header X-Request-Id \$request_id always;
    fastcgi_keep_conn off;
    fastcgi_buffer_size 16k;
    fastcgi_buffers 32 16k;
}
EOF
}

start_everything() {
  mkdir -p "$VAR" "$OUT" "$VAR/log"
  chmod 755 "$VAR"
  write_nginx_extra
  write_log_config
  say "starting the stack in $VAR (port $PORT, $WORKERS workers)"
  STACK_STARTED=1
  stack start >>"$VAR/log/bench-stack.log" 2>&1 || { tail -n 40 "$VAR/log/bench-stack.log" >&2; die "stack.sh start failed"; }
  "$BIN/bench-fcgi-ceiling" --listen "$VAR/run/bench-fcgi.sock" --workers "$WORKERS" \
    >>"$VAR/log/bench-fcgi-ceiling.log" 2>&1 &
  CEILING_PID=$!
  local _
  for _ in $(seq 1 50); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/bench/fcgi")" = 200 ] && return 0
    sleep 0.1
  done
  die "the FastCGI ceiling responder does not answer on /bench/fcgi; see $VAR/log/"
}

# create_product NAME STOCK [MAX_PER_BUYER]: a fresh product through the admin API; prints its id.
create_product() {
  local body id
  body=$(curl -s -X POST "$BASE_URL/api/admin/products" \
           -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
           -d "{\"name\":\"bench $1\",\"price\":9.99,\"stock\":$2${3:+,\"max_per_buyer\":$3}}")
  id=$(sed -n 's/.*"id" *: *\([0-9][0-9]*\).*/\1/p' <<<"$body")
  [ -n "$id" ] || die "could not create product '$1': $body"
  echo "$id"
}

sql() {
  mariadb --no-defaults --socket="$VAR/run/mysqld.sock" -uroot -N -B flashsale -e "$1"
}

pid_of() { cat "$VAR/run/$1.pid" 2>/dev/null || true; }

# Fails with a clear message when a stack component is gone (something outside this script
# killed it: the logs then say "shutting down" with no reason of their own).
check_stack_alive() {
  local c pid
  for c in mariadb redis fcgi nginx; do
    pid=$(pid_of "$c")
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
      die "stack component '$c' (pid ${pid:-?}) is not running any more; see $VAR/log/"
    fi
  done
  kill -0 "$CEILING_PID" 2>/dev/null || die "the FastCGI ceiling responder died; see $VAR/log/"
}

# Peak RSS (VmHWM) of the pool's workers: every child of the flashsale-fcgi master, in MiB.
worker_peak_rss() {
  local master kib max=0 c n=0
  master=$(pid_of fcgi)
  if [ -z "$master" ] || ! grep -q flashsale-fcgi "/proc/$master/cmdline" 2>/dev/null; then
    die "cannot find the flashsale-fcgi master (run/fcgi.pid)"
  fi
  for c in $(ps -o pid= --ppid "$master"); do
    kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$c/status" 2>/dev/null || echo 0)
    n=$(( n + 1 ))
    [ "${kib:-0}" -le "$max" ] || max=$kib
  done
  [ "$n" -gt 0 ] || die "the flashsale-fcgi master has no workers"
  [ "$n" = "$WORKERS" ] || say "note: $n workers found, $WORKERS configured"
  calc "$max / 1024" %.1f
}
