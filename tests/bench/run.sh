#!/usr/bin/env bash
# run.sh: the flash-sale benchmark (`make bench`, which builds everything first).
#
# Starts a throwaway local stack (conf/local/stack.sh: MariaDB with durable commits, Redis, the
# FastCGI pool, nginx) in a fresh var dir, drives it with wrk and the Lua scripts in
# tests/bench/lua/, checks the database after every scenario, prints a table and writes
# $VAR/bench/results.json (and a copy in var/bench-last.json).
#
# Environment:
#   BENCH_DURATION      seconds per scenario (default 12; 3 for a quick run)
#   BENCH_DRAIN         extra seconds write scenarios get to finish what is in flight (default 2)
#   BENCH_CONNECTIONS   wrk connections for the read and checkout scenarios (default 64)
#   BENCH_HOT_CONNECTIONS  wrk connections for holds and flash_sale (default 256)
#   BENCH_SCENARIOS     which scenarios to run, in order (default: all eight; targets whose
#                       scenario or ceiling did not run are left out)
#   FLASHSALE_WORKERS   pool size, also used for the FastCGI and database ceilings (default 2 x cores)
#   BENCH_KEEP_DB=1     keep the database and nginx's access log of a successful run (a failed
#                       run always keeps them); results and the other logs are always kept
#
# Why ceilings: absolute numbers depend on the machine, so every result is reported as a ratio
# of a ceiling measured in the same run, on the same nginx, libfcgi and MariaDB:
#   ceiling_static  nginx answering by itself (`return 200`): what wrk + nginx can do here.
#   ceiling_fcgi    a FastCGI responder that does no work (fcgi_ceiling.cc), same worker count,
#                   behind the same nginx: the most any endpoint of the pool can reach.
#   ceiling_db      N clients updating one row with durable autocommits (db_ceiling.cc): the
#                   most hot-row writes per second this MariaDB can commit, i.e. what a hold or
#                   a checkout on one product can at best approach.
#
# After every scenario the database is checked (no oversell, reserved = active holds + pending
# orders, rows = the 201s wrk saw, paid orders each used exactly one hold...) and every answer
# must have had an expected status. Exit status: 0 when all of that held (targets missed are
# reported, not failed), 1 when something did not or a scenario could not run at all.
set -Eeuo pipefail   # -E: the ERR trap below also fires inside functions

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
cd "$REPO"
BENCH_DIR=$REPO/tests/bench
LUA_DIR=$BENCH_DIR/lua
BIN=$REPO/build/bin
STACK=$REPO/conf/local/stack.sh

DURATION=${BENCH_DURATION:-12}
DRAIN=${BENCH_DRAIN:-2}
CONNS=${BENCH_CONNECTIONS:-64}
HOT_CONNS=${BENCH_HOT_CONNECTIONS:-256}
WORKERS=${FLASHSALE_WORKERS:-$(( 2 * $(nproc) ))}
FLASH_STOCK=1000
ALL_SCENARIOS="ceiling_static ceiling_fcgi ceiling_db product_get holds holds_limited flash_sale checkout"
UNLIMITED_STOCK=1000000000

[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_DURATION must be a whole number of seconds" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------

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

# ---------------------------------------------------------------------------------------------
# The stack and the ceiling responder
# ---------------------------------------------------------------------------------------------

# A port nothing listens on, in a range away from the usual development ports.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
VAR=$REPO/var/bench-$RUN_ID
OUT=$VAR/bench
PORT=$(free_port)
BASE_URL=http://127.0.0.1:$PORT
WEBHOOK_SECRET=bench-webhook-secret-$RUN_ID
ADMIN_TOKEN=bench-admin-token-$RUN_ID
CEILING_PID=
STACK_STARTED=0

stack() {
  FLASHSALE_VAR_DIR=$VAR FLASHSALE_HTTP_PORT=$PORT FLASHSALE_EXPIRY_INTERVAL=0 \
  FLASHSALE_WORKERS=$WORKERS FLASHSALE_WEBHOOK_SECRET=$WEBHOOK_SECRET \
  FLASHSALE_ADMIN_TOKEN=$ADMIN_TOKEN "$STACK" "$@"
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
trap cleanup EXIT
# set -e stops at the first failing command; say which, instead of exiting silently.
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

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

# ---------------------------------------------------------------------------------------------
# Talking to the stack: admin API, database, processes
# ---------------------------------------------------------------------------------------------

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

# CPU ticks (utime + stime) used so far by a pid and its direct children (a pool's workers).
tree_ticks() {
  local pid=$1 p total=0 t
  if [ -z "$pid" ] || [ ! -r "/proc/$pid/stat" ]; then echo 0; return; fi
  for p in "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
    total=$(( total + ${t:-0} ))
  done
  echo "$total"
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

# One line: monotonic-ish time in ns, then CPU ticks used so far by the whole machine (busy,
# from /proc/stat), mariadb, redis, nginx, the pool and the ceiling responder.
cpu_snapshot() {
  local busy
  busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
  echo "$(date +%s%N) $busy $(tree_ticks "$(pid_of mariadb)") $(tree_ticks "$(pid_of redis)") \
$(tree_ticks "$(pid_of nginx)") $(tree_ticks "$(pid_of fcgi)") $(tree_ticks "$CEILING_PID")"
}

# The pool logs one line per request with the time it spent on it ("POST /api/holds 201 585us");
# comparing that with the latency wrk sees separates work in a worker from waiting for one.
# Lines from concurrent workers can interleave in the shared log; only well-formed ones count.
pool_log_size() { stat -c %s "$VAR/log/flashsale.log" 2>/dev/null || echo 0; }
# pool_service_times FROM_BYTE: "<METHOD path> mean <us>us n=<count>" per endpoint, busiest first.
pool_service_times() {
  tail -c +"$(( $1 + 1 ))" "$VAR/log/flashsale.log" 2>/dev/null \
    | grep -aE '^[0-9T:.-]+Z +INFO +flashsale\.http \[[0-9]+\] [A-Z]+ /[^ ]* [0-9]{3} [0-9]+us \[[0-9a-f]*\]$' \
    | awk '{ p = $5 " " $6; gsub(/\/[0-9]+/, "/{id}", p); t = $8; sub(/us$/, "", t); n[p]++; sum[p] += t }
           END { for (p in n) printf "%d\t%s mean %dus n=%d\n", n[p], p, sum[p] / n[p] + 0.5, n[p] }' \
    | sort -rn | cut -f2 | paste -sd ';' - | sed 's/;/; /g' || true   # no lines: nothing to say
}

# MariaDB counters that explain a write rate: statements, commits (Handler_commit also counts
# autocommits), fsyncs (MariaDB 10.11 has no separate redo log fsync counter; Innodb_data_fsyncs
# includes them), row lock waits and their time (ms).
DB_COUNTERS="Questions Handler_commit Com_rollback Innodb_data_fsyncs Innodb_log_writes Innodb_row_lock_waits Innodb_row_lock_time Innodb_deadlocks"
db_snapshot() {
  local names
  names=${DB_COUNTERS// /\',\'}
  sql "SHOW GLOBAL STATUS WHERE Variable_name IN ('$names')" | sort | awk '{ printf "%s=%s ", $1, $2 }'
}

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------

declare -A RPS P50 P99 ERRORS EXTRA CPU DBW DBOPS POOL
SCENARIOS=()
VIOLATIONS=()

violation() {
  VIOLATIONS+=("$1: $2")
  say "INVARIANT VIOLATED ($1): $2"
}

# record NAME OPS RPS P50 P99 ERRORS [EXTRA_JSON]: one row of the table. OPS is how many
# operations the scenario completed in all (drain included), to express the database counters
# sampled around it per operation.
record() {
  SCENARIOS+=("$1")
  RPS[$1]=$3; P50[$1]=$(calc "$4" %.3f); P99[$1]=$(calc "$5" %.3f); ERRORS[$1]=$6; EXTRA[$1]=${7:-}
  local ops=$2 k
  [ "$ops" -gt 0 ] 2>/dev/null || ops=1
  DBOPS[$1]=
  for k in Questions Handler_commit Innodb_data_fsyncs Innodb_row_lock_waits Innodb_row_lock_time Innodb_deadlocks Com_rollback; do
    DBOPS[$1]+="${DBOPS[$1]:+,}\"$k\":$(calc "$(db_delta "$1" "$k") / $ops" %.3f)"
  done
}

# run_wrk NAME CONNECTIONS WRK_SECONDS SCRIPT ARGS...: runs wrk and leaves its BENCH_RESULT
# JSON in WRK_RESULT (a global, not printed: callers must not run this in a subshell, or the CPU
# and counter samples it records would be lost). The first script argument is always the measuring window (see lua/bench.lua). wrk's own
# report and stderr are kept in $OUT/NAME.wrk.txt / .err. While it runs, CPU and MariaDB
# counters are sampled before and after, for the "where the time goes" lines.
run_wrk() {
  local name=$1 conns=$2 seconds=$3 script=$4
  shift 4
  local cpu0 cpu1 db0 db1 result log0
  cpu0=$(cpu_snapshot); db0=$(db_snapshot); log0=$(pool_log_size)
  # wrk runs in a subshell that reports its children's CPU ticks (cutime + cstime) once wrk has
  # been reaped: wrk's own CPU, to tell it apart from everything else on the machine. ($BASHPID
  # is read outside the pipeline: inside it, it would be the pipeline element's own pid.)
  if ! (LUA_PATH="$LUA_DIR/?.lua;;" wrk -t2 -c"$conns" -d"${seconds}s" --timeout 30s --latency \
          -s "$LUA_DIR/$script" "$BASE_URL" -- "$DURATION" "$@" \
          >"$OUT/$name.wrk.txt" 2>"$OUT/$name.wrk.err" \
        && me=$BASHPID && sed 's/.*) //' "/proc/$me/stat" | awk '{ print $14 + $15 }' >"$OUT/$name.wrk.cpu"); then
    cat "$OUT/$name.wrk.err" >&2
    die "wrk failed in scenario $name"
  fi
  cpu1=$(cpu_snapshot); db1=$(db_snapshot)
  result=$(sed -n 's/^BENCH_RESULT //p' "$OUT/$name.wrk.txt")
  [ -n "$result" ] || { cat "$OUT/$name.wrk.err" >&2; die "no result from wrk in scenario $name"; }
  if [ -s "$OUT/$name.wrk.err" ]; then
    say "$name: wrk stderr (first lines):"; head -n 5 "$OUT/$name.wrk.err" | sed 's/^/    /'
  fi
  CPU[$name]=$(cpu_share "$cpu0" "$cpu1" "$(cat "$OUT/$name.wrk.cpu")")
  DBW[$name]="$db0|$db1"
  POOL[$name]=$(pool_service_times "$log0")
  echo "$result" >"$OUT/$name.json"
  WRK_RESULT=$result
}

# cpu_share BEFORE AFTER CLIENT_TICKS: percent of all cores used by each component between two
# cpu_snapshots; CLIENT_TICKS is what the load generator used (wrk, or bench-db-ceiling);
# `other` is the rest of the machine (anything else running on it skews the numbers).
cpu_share() {
  awk -v a="$1" -v b="$2" -v client="$3" -v n="$(nproc)" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    split("time busy mariadb redis nginx pool ceiling", name, " ")
    cap = (y[1] - x[1]) / 1e9 * n * hz; out = ""
    if (cap <= 0) cap = 1
    for (i = 2; i <= 7; i++) { d[i] = y[i] - x[i] }
    other = d[2] - d[3] - d[4] - d[5] - d[6] - d[7] - client
    for (i = 2; i <= 7; i++) if (i == 2 || d[i] > 0) out = out sprintf("%s %d%% ", name[i], 100 * d[i] / cap + 0.5)
    printf "%sclient %d%% other %d%%", out, 100 * client / cap + 0.5, (other > 0 ? 100 * other / cap + 0.5 : 0)
  }'
}

# db_delta NAME KEY: how much counter KEY grew during scenario NAME.
db_delta() {
  local before after
  before=${DBW[$1]%%|*}; after=${DBW[$1]##*|}
  awk -v a="$before" -v b="$after" -v k="$2" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); va[kv[1]] = kv[2] }
    n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, "="); vb[kv[1]] = kv[2] }
    print vb[k] - va[k]
  }'
}

# errors of a wrk scenario: responses the scenario did not expect plus socket errors.
wrk_errors() { echo $(( $(jnum "$1" unexpected) + $(jnum "$1" socket_errors) )); }

# ---------------------------------------------------------------------------------------------
# Invariants (after every scenario)
# ---------------------------------------------------------------------------------------------

# What must hold for every product and order at any time, whatever ran before.
check_global_invariants() {
  local scenario=$1 rows
  # No oversell, and `reserved` is exactly what active holds and pending orders hold.
  rows=$(sql "
    SELECT CONCAT('product ', id, ': stock=', stock, ' reserved=', reserved,
                  ' active holds=', ah, ' pending orders=', po)
    FROM (SELECT p.id, p.stock, p.reserved,
                 COALESCE((SELECT SUM(h.quantity) FROM holds h
                           WHERE h.product_id = p.id AND h.status = 'active'), 0) AS ah,
                 COALESCE((SELECT SUM(o.quantity) FROM orders o
                           WHERE o.product_id = p.id AND o.status = 'pending'), 0) AS po
          FROM products p) t
    WHERE NOT (stock >= 0 AND reserved >= 0 AND reserved <= stock AND reserved = ah + po)
    LIMIT 10")
  [ -z "$rows" ] || while IFS= read -r r; do violation "$scenario" "$r"; done <<<"$rows"
  # Every order consumed exactly one hold of the same product and quantity, now 'used'; every
  # paid order in particular has exactly one hold in status 'used'.
  rows=$(sql "
    SELECT CONCAT('order ', o.id, ' (', o.status, '): hold ', o.hold_id, ' is ',
                  COALESCE(h.status, 'missing'))
    FROM orders o LEFT JOIN holds h ON h.id = o.hold_id
    WHERE h.id IS NULL OR h.status <> 'used' OR h.product_id <> o.product_id
       OR h.quantity <> o.quantity
    LIMIT 10")
  [ -z "$rows" ] || while IFS= read -r r; do violation "$scenario" "$r"; done <<<"$rows"
  rows=$(sql "
    SELECT CONCAT('paid order ', o.id, ' has ', COUNT(h.id), ' used holds')
    FROM orders o LEFT JOIN holds h ON h.id = o.hold_id AND h.status = 'used'
    WHERE o.status = 'paid' GROUP BY o.id HAVING COUNT(h.id) <> 1 LIMIT 10")
  [ -z "$rows" ] || while IFS= read -r r; do violation "$scenario" "$r"; done <<<"$rows"
  # A used hold belongs to an order (the same transaction marks it and creates the order).
  rows=$(sql "
    SELECT CONCAT('hold ', h.id, ' is used but no order refers to it')
    FROM holds h LEFT JOIN orders o ON o.hold_id = h.id
    WHERE h.status = 'used' AND o.id IS NULL LIMIT 10")
  [ -z "$rows" ] || while IFS= read -r r; do violation "$scenario" "$r"; done <<<"$rows"
}

# expect_answers SCENARIO RESULT WHAT: every answer had the status the scenario expects (all 201
# for holds on unlimited stock, 201 or 409 insufficient_stock in the flash sale...). Anything else
# (a 503 after exhausted retries, a 500, a 401 for a correctly signed webhook) is a failure of
# the service, not a slow result.
expect_answers() {
  local n
  n=$(jnum "$2" unexpected)
  [ "$n" = 0 ] || violation "$1" "$n answers were not $3 (first ones in $OUT/$1.wrk.err)"
}

# expect SCENARIO WHAT ACTUAL EXPECTED: one counted fact.
expect() {
  [ "$3" = "$4" ] || violation "$1" "$2: database has $3, expected $4"
}

# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------

# 1. nginx alone: the most requests this wrk + nginx pair can push through these cores.
scenario_ceiling_static() {
  local r
  run_wrk ceiling_static "$CONNS" "$DURATION" get.lua /bench/static 200
  r=$WRK_RESULT
  record ceiling_static "$(jnum "$r" s200)" "$(calc "$(jnum "$r" w200) / $DURATION" %.1f)" "$(jnum "$r" p50_ms)" \
    "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")"
}

# 2. nginx -> libfcgi prefork pool that does nothing: the ceiling of any pool endpoint.
scenario_ceiling_fcgi() {
  local r
  run_wrk ceiling_fcgi "$CONNS" "$DURATION" get.lua /bench/fcgi 200
  r=$WRK_RESULT
  record ceiling_fcgi "$(jnum "$r" s200)" "$(calc "$(jnum "$r" w200) / $DURATION" %.1f)" "$(jnum "$r" p50_ms)" \
    "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")"
}

# 3. Durable single-row conditional updates, one connection per worker: the hot-row ceiling.
scenario_ceiling_db() {
  local r cpu0 cpu1 db0 db1
  cpu0=$(cpu_snapshot); db0=$(db_snapshot)
  # Same subshell trick as in run_wrk, for the client's CPU.
  r=$("$BIN/bench-db-ceiling" --socket "$VAR/run/mysqld.sock" --user flashsale \
        --password flashsale --schema flashsale --clients "$WORKERS" --duration "$DURATION" \
        2>"$OUT/ceiling_db.err" \
      && me=$BASHPID && sed 's/.*) //' "/proc/$me/stat" | awk '{ print $14 + $15 }' >"$OUT/ceiling_db.cpu") \
    || { cat "$OUT/ceiling_db.err" >&2; die "bench-db-ceiling failed"; }
  cpu1=$(cpu_snapshot); db1=$(db_snapshot)
  CPU[ceiling_db]=$(cpu_share "$cpu0" "$cpu1" "$(cat "$OUT/ceiling_db.cpu")")
  DBW[ceiling_db]="$db0|$db1"
  echo "$r" >"$OUT/ceiling_db.json"
  record ceiling_db "$(jnum "$r" updates)" "$(jnum "$r" rps)" "$(jnum "$r" p50_ms)" "$(jnum "$r" p99_ms)" \
    "$(jnum "$r" errors)" "\"updates\":$(jnum "$r" updates)"
  # The row must have moved by exactly the number of updates counted.
  expect ceiling_db "bench_ceiling.n" "$(sql 'SELECT n FROM bench_ceiling WHERE id = 1')" \
    "$(jnum "$r" updates)"
}

# 4. Product reads with a warm cache: nothing in the database changes.
scenario_product_get() {
  local id r
  id=$(create_product product_get 100)
  curl -s -o /dev/null "$BASE_URL/api/products/$id"   # the first read fills the cache
  run_wrk product_get "$CONNS" "$DURATION" get.lua "/api/products/$id" 200
  r=$WRK_RESULT
  record product_get "$(jnum "$r" s200)" "$(calc "$(jnum "$r" w200) / $DURATION" %.1f)" "$(jnum "$r" p50_ms)" \
    "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")"
  check_global_invariants product_get
  expect_answers product_get "$r" "200 with the product"
  expect product_get "product $id stock,reserved" "$(sql "SELECT CONCAT(stock, ',', reserved) FROM products WHERE id = $id")" "100,0"
}

# 5. Holds of one unit on a product that never runs out: every answer must be 201, and every
#    201 must be a row (the drain makes "rows == 201s seen" exact, see lua/bench.lua).
scenario_holds() {
  local id r s201
  id=$(create_product holds "$UNLIMITED_STOCK")
  run_wrk holds "$HOT_CONNS" $(( DURATION + DRAIN )) holds.lua "$id"
  r=$WRK_RESULT
  s201=$(jnum "$r" s201)
  record holds "$s201" "$(calc "$(jnum "$r" w201) / $DURATION" %.1f)" "$(jnum "$r" p50_ms)" \
    "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")" "\"holds_201\":$s201"
  check_global_invariants holds
  expect_answers holds "$r" "201 active holds"
  expect holds "holds rows of product $id" "$(sql "SELECT COUNT(*) FROM holds WHERE product_id = $id")" "$s201"
  expect holds "reserved of product $id" "$(sql "SELECT reserved FROM products WHERE id = $id")" "$s201"
}

# 5b. The same with a per-buyer limit (max_per_buyer 2) and another buyer_id on every request:
#    each hold takes its buyer's lock (a new buyer_locks row) and sums the buyer's units before
#    the hot-row update. Every answer must be 201, rows == 201s, nobody above the limit.
scenario_holds_limited() {
  local id r s201
  id=$(create_product holds_limited "$UNLIMITED_STOCK" 2)
  run_wrk holds_limited "$HOT_CONNS" $(( DURATION + DRAIN )) holds_limited.lua "$id" "$RUN_ID"
  r=$WRK_RESULT
  s201=$(jnum "$r" s201)
  record holds_limited "$s201" "$(calc "$(jnum "$r" w201) / $DURATION" %.1f)" "$(jnum "$r" p50_ms)" \
    "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")" "\"holds_201\":$s201"
  check_global_invariants holds_limited
  expect_answers holds_limited "$r" "201 active holds"
  expect holds_limited "holds rows of product $id" "$(sql "SELECT COUNT(*) FROM holds WHERE product_id = $id")" "$s201"
  expect holds_limited "reserved of product $id" "$(sql "SELECT reserved FROM products WHERE id = $id")" "$s201"
  expect holds_limited "holds of product $id without a buyer" "$(sql "SELECT COUNT(*) FROM holds WHERE product_id = $id AND buyer_id IS NULL")" 0
  expect holds_limited "buyers of product $id above the limit" "$(sql "SELECT COUNT(*) FROM (SELECT buyer_id FROM holds WHERE product_id = $id GROUP BY buyer_id HAVING SUM(quantity) > 2) x")" 0
}

# 6. The flash sale: 1000 units, 256 buyers hammering. Exactly 1000 holds, everyone else 409;
#    the rate reported is that of sold-out answers after the stock ran out.
scenario_flash_sale() {
  local id r s201 window soldout_rps
  id=$(create_product flash_sale "$FLASH_STOCK")
  run_wrk flash_sale "$HOT_CONNS" $(( DURATION + DRAIN )) holds.lua "$id"
  r=$WRK_RESULT
  s201=$(jnum "$r" s201)
  window=$(calc "$(jnum "$r" min_deadline) - $(jnum "$r" min_first_409)" %.6f)
  if [ "$(calc "$window > 0.5" %d)" = 1 ]; then
    soldout_rps=$(calc "$(jnum "$r" sold_out_in_window) / $window" %.1f)
  else
    soldout_rps=0
  fi
  record flash_sale "$(( s201 + $(jnum "$r" sold_out) ))" "$soldout_rps" "$(jnum "$r" p50_ms)" "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")" \
    "\"holds_201\":$s201,\"sold_out_409\":$(jnum "$r" sold_out),\"sold_out_window_s\":$window"
  check_global_invariants flash_sale
  expect_answers flash_sale "$r" "201 or 409 insufficient_stock"
  expect flash_sale "201 answers seen by wrk" "$s201" "$FLASH_STOCK"
  expect flash_sale "holds rows of product $id" "$(sql "SELECT COUNT(*) FROM holds WHERE product_id = $id")" "$FLASH_STOCK"
  expect flash_sale "stock,reserved of product $id" "$(sql "SELECT CONCAT(stock, ',', reserved) FROM products WHERE id = $id")" "$FLASH_STOCK,$FLASH_STOCK"
}

# 7. Whole checkouts (hold -> order -> signed webhook) on a product that never runs out.
scenario_checkout() {
  local id r holds orders paid
  id=$(create_product checkout "$UNLIMITED_STOCK")
  run_wrk checkout "$CONNS" $(( DURATION + DRAIN )) checkout.lua "$id" "$WEBHOOK_SECRET" "$RUN_ID"
  r=$WRK_RESULT
  holds=$(jnum "$r" holds); orders=$(jnum "$r" orders); paid=$(jnum "$r" paid)
  record checkout "$paid" "$(calc "$(jnum "$r" paid_in_window) / $DURATION" %.1f)" "$(jnum "$r" p50_ms)" \
    "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")" \
    "\"holds_201\":$holds,\"orders_201\":$orders,\"paid_200\":$paid,\"http_requests\":$(jnum "$r" requests)"
  check_global_invariants checkout
  expect_answers checkout "$r" "the next step of a checkout (201 hold, 201 order, 200 paid)"
  expect checkout "holds rows of product $id" "$(sql "SELECT COUNT(*) FROM holds WHERE product_id = $id")" "$holds"
  expect checkout "orders rows of product $id" "$(sql "SELECT COUNT(*) FROM orders WHERE product_id = $id")" "$orders"
  expect checkout "paid orders of product $id" "$(sql "SELECT COUNT(*) FROM orders WHERE product_id = $id AND status = 'paid'")" "$paid"
  expect checkout "applied payment events of product $id" "$(sql "
    SELECT COUNT(*) FROM payment_events e JOIN orders o ON o.id = e.order_id
    WHERE o.product_id = $id AND e.outcome = 'applied'")" "$paid"
  expect checkout "stock of product $id" "$(sql "SELECT stock FROM products WHERE id = $id")" "$(( UNLIMITED_STOCK - paid ))"
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

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

declare -a TARGET_ROWS=()   # name|value text|target text|yes/no|json

# target NAME VALUE VALUE_TEXT OP LIMIT LIMIT_TEXT METRIC: one target, met when VALUE OP LIMIT.
target() {
  local name=$1 value=$2 text=$3 op=$4 limit=$5 limit_text=$6 metric=$7 met
  met=$(calc "$value $op $limit" %d)
  TARGET_ROWS+=("$name|$text|$limit_text|$( ((met)) && echo yes || echo no)|{\"name\":\"$name\",\
\"metric\":$(json_str "$metric"),\"value\":$value,\"target\":$(json_str "$limit_text"),\
\"met\":$( ((met)) && echo true || echo false)}")
}

# ratio_target NAME OF FACTOR: NAME's rps as a multiple of OF's must be >= FACTOR. Left out when
# one of the two did not run (BENCH_SCENARIOS).
ratio_target() {
  local name=$1 of=$2 factor=$3 ratio
  [ -n "${RPS[$name]:-}" ] && [ -n "${RPS[$of]:-}" ] || return 0
  ratio=$(calc "${RPS[$of]} > 0 ? ${RPS[$name]} / ${RPS[$of]} : 0")
  target "$name" "$ratio" "$ratio x $of" ">=" "$factor" ">= $factor" "rps / $of rps"
}

evaluate_targets() {
  ratio_target product_get ceiling_fcgi 0.6
  ratio_target flash_sale ceiling_fcgi 0.5
  ratio_target holds ceiling_db 0.5
  ratio_target holds_limited holds 0.8
  [ -z "${P99[holds]:-}" ] \
    || target holds_p99 "${P99[holds]}" "${P99[holds]} ms" "<=" 25 "<= 25 ms" "p99 ms at $HOT_CONNS connections"
  ratio_target checkout ceiling_db 0.25
  target worker_peak_rss "$RSS" "$RSS MiB" "<=" 16 "<= 16 MiB" "max VmHWM of the pool's workers, MiB"
}

print_table() {
  local s row name value tgt met
  printf '\n%-16s %10s %8s %8s %7s  %-22s %-10s %s\n' scenario rps p50_ms p99_ms errors ratio target met
  for s in "${SCENARIOS[@]}"; do
    value='' tgt='' met=''
    for row in "${TARGET_ROWS[@]}"; do
      IFS='|' read -r name v t m _ <<<"$row"
      [ "$name" = "$s" ] && { value=$v; tgt=$t; met=$m; }
    done
    printf '%-16s %10s %8.2f %8.2f %7s  %-22s %-10s %s\n' "$s" "${RPS[$s]}" "${P50[$s]}" "${P99[$s]}" \
      "${ERRORS[$s]}" "$value" "$tgt" "$met"
  done
  for row in "${TARGET_ROWS[@]}"; do
    IFS='|' read -r name v t m _ <<<"$row"
    case "$name" in
      holds_p99)
        printf '%-16s %10s %8s %8.2f %7s  %-22s %-10s %s\n' "$name" "" "" "${P99[holds]}" "" \
          "at $HOT_CONNS connections" "$t" "$m" ;;
      worker_peak_rss)
        printf '%-16s %10s %8s %8s %7s  %-22s %-10s %s\n' "$name" "$v" "" "" "" \
          "max VmHWM, $WORKERS workers" "$t" "$m" ;;
    esac
  done
  cat <<EOF
(rps: answers/s with the expected status inside the ${DURATION}s window; flash_sale: sold-out
 409s/s from the moment the stock ran out; checkout: paid checkouts/s (3 requests each);
 ceiling_db: committed updates/s, p50/p99 per statement. Errors: unexpected statuses + socket errors.)
EOF
  if [ "${#VIOLATIONS[@]}" -eq 0 ]; then
    echo "invariants: all checks passed"
  else
    echo "invariants: ${#VIOLATIONS[@]} VIOLATED"
    printf '  - %s\n' "${VIOLATIONS[@]}"
  fi
  # Where the time goes: CPU share per component (of all cores) and database work per
  # successful operation (statements, commits, redo log fsyncs, row lock waits).
  printf '\nwhere the time goes (CPU: %% of %d cores; pool: time per request inside a worker, from its\nlog; db: MariaDB counters per operation):\n' "$(nproc)"
  local kv
  for s in "${SCENARIOS[@]}"; do
    kv=$(sed 's/"//g; s/Questions/stmts/; s/Handler_commit/commits/; s/Innodb_data_fsyncs/fsyncs/;
              s/Innodb_row_lock_waits/lockwaits/; s/Innodb_row_lock_time/lockwait_ms/;
              s/Innodb_deadlocks/deadlocks/; s/Com_rollback/rollbacks/; s/:/ /g; s/,/  /g' <<<"${DBOPS[$s]}")
    printf '  %-15s CPU: %s\n' "$s" "${CPU[$s]}"
    [ -z "${POOL[$s]:-}" ] || printf '  %-15s pool: %s\n' "" "${POOL[$s]}"
    printf '  %-15s db per op: %s\n' "" "$kv"
  done
  # Every number here is relative to ceilings measured minutes apart on the same cores; if
  # something else was busy during one scenario and not another, the ratios are off. Say so.
  local other noisy=''
  for s in "${SCENARIOS[@]}"; do
    other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<<"${CPU[$s]}")
    [ "${other:-0}" -le 10 ] || noisy+=" $s (${other}%)"
  done
  [ -z "$noisy" ] || printf '\nwarning: other processes took CPU during:%s; ratios are skewed, rerun on a quiet machine\n' "$noisy"
}

write_json() {
  local s first=1 row
  {
    printf '{\n  "run": {"id": %s, "started_at": %s, "commit": %s, "duration_s": %s, "drain_s": %s,' \
      "$(json_str "$RUN_ID")" "$(json_str "$STARTED_AT")" "$(json_str "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)")" "$DURATION" "$DRAIN"
    printf ' "workers": %s, "cores": %s, "connections": %s, "hot_connections": %s, "var_dir": %s},\n' \
      "$WORKERS" "$(nproc)" "$CONNS" "$HOT_CONNS" "$(json_str "$VAR")"
    printf '  "scenarios": {\n'
    for s in "${SCENARIOS[@]}"; do
      ((first)) || printf ',\n'
      first=0
      printf '    %s: {"rps": %s, "p50_ms": %s, "p99_ms": %s, "errors": %s, "cpu": %s%s}' \
        "$(json_str "$s")" "${RPS[$s]}" "${P50[$s]}" "${P99[$s]}" "${ERRORS[$s]}" \
        "$(json_str "${CPU[$s]:-}")" "${EXTRA[$s]:+, ${EXTRA[$s]}}, \"pool_service\": $(json_str "${POOL[$s]:-}"), \"db_per_op\": {${DBOPS[$s]}}"
    done
    printf '\n  },\n  "targets": [\n'
    first=1
    for row in "${TARGET_ROWS[@]}"; do
      ((first)) || printf ',\n'
      first=0
      printf '    %s' "${row##*|}"
    done
    printf '\n  ],\n  "worker_peak_rss_mib": %s,\n' "$RSS"
    printf '  "invariants": {"passed": %s, "violations": [' "$([ "${#VIOLATIONS[@]}" -eq 0 ] && echo true || echo false)"
    first=1
    for row in "${VIOLATIONS[@]}"; do
      ((first)) || printf ', '
      first=0
      json_str "$row"
    done
    printf ']}\n}\n'
  } >"$OUT/results.json"
  cp "$OUT/results.json" "$REPO/var/bench-last.json"
}

# ---------------------------------------------------------------------------------------------

main() {
  command -v wrk >/dev/null || die "wrk not found (make deps)"
  [ -x "$STACK" ] || die "$STACK not found"
  local b
  for b in flashsale-fcgi bench-fcgi-ceiling bench-db-ceiling; do
    [ -x "$BIN/$b" ] || die "$BIN/$b not found: run 'make bench'"
  done
  STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  start_everything
  say "scenarios: ${DURATION}s each (+${DRAIN}s drain for writes), $CONNS connections ($HOT_CONNS for holds and flash_sale)"

  local s
  for s in ${BENCH_SCENARIOS:-$ALL_SCENARIOS}; do
    [[ " $ALL_SCENARIOS " == *" $s "* ]] || die "unknown scenario '$s' (known: $ALL_SCENARIOS)"
    check_stack_alive
    say "$s"
    "scenario_$s"
  done
  check_stack_alive
  RSS=$(worker_peak_rss)

  evaluate_targets
  print_table
  write_json
  say "results: $OUT/results.json (copied to var/bench-last.json); logs: $VAR/log/"
  if [ "${#VIOLATIONS[@]}" -gt 0 ]; then
    say "FAILED: ${#VIOLATIONS[@]} invariant violation(s), listed above; database kept in $VAR/mysql"
    exit 1
  fi
}

main "$@"
