#!/usr/bin/env bash
# cluster.sh: holds per second on one MariaDB (the local stack) against the local cluster (three
# Galera nodes, Redis behind Sentinel, several pools behind one nginx), in the same run, as a
# ratio (`make bench-cluster`).
#
# The same wrk scenario as `make bench`'s `holds` (tests/bench/lua/holds.lua: POST /api/holds of
# one unit on one product that never runs out, drained so the database can be compared with the
# 201s seen) runs first against conf/local/stack.sh, then, with the stack stopped, against
# conf/local/cluster.sh, each in a throwaway var dir on free ports. Both run the same number of
# FastCGI workers in all: the stack one pool of POOLS x WORKERS, the cluster POOLS pools of
# WORKERS each. After each run: holds rows = reserved = the 201s wrk saw (on every Galera node for
# the cluster: the writes were replicated, not just committed on one).
#
# Environment:
#   BENCH_DURATION          seconds measured per run (default 12)
#   BENCH_DRAIN             extra seconds for what is in flight (default 2)
#   BENCH_HOT_CONNECTIONS   wrk connections (default 256, as make bench's holds)
#   BENCH_CLUSTER_POOLS     pools of the cluster (default 3)
#   BENCH_POOL_WORKERS      workers per cluster pool (default 4)
#   BENCH_KEEP_DB=1         keep the datadirs of a successful run
# Prints holds/s of each and the ratio cluster / single; writes $VAR/results.json.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
cd "$REPO"
LUA_DIR=$REPO/tests/bench/lua
# shellcheck source=lib/common.sh
source "$REPO/tests/bench/lib/common.sh"

DURATION=${BENCH_DURATION:-12}
DRAIN=${BENCH_DRAIN:-2}
CONNS=${BENCH_HOT_CONNECTIONS:-256}
POOLS=${BENCH_CLUSTER_POOLS:-3}
WORKERS=${BENCH_POOL_WORKERS:-4}
UNLIMITED_STOCK=1000000000
RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
VAR=$REPO/var/bench-cluster-$RUN_ID
ADMIN_TOKEN=bench-admin-token-$RUN_ID
RUNNING=''   # the script (stack.sh or cluster.sh) whose var dir is up, for cleanup

[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "BENCH_DURATION must be a whole number of seconds"

# with_env SCRIPT DIR PORT ARGS...: runs the stack or cluster script for this benchmark.
with_env() {
  local script=$1 dir=$2 port=$3
  shift 3
  FLASHSALE_VAR_DIR=$dir FLASHSALE_HTTP_PORT=$port FLASHSALE_EXPIRY_INTERVAL=0 \
  FLASHSALE_ADMIN_TOKEN=$ADMIN_TOKEN FLASHSALE_WEBHOOK_SECRET=bench-webhook-$RUN_ID \
  FLASHSALE_CLUSTER_POOLS=$POOLS FLASHSALE_CLUSTER_BASE_PORT=${BASE_PORT:-27000} \
  "$script" "$@"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$RUNNING" ]; then
    # shellcheck disable=SC2086
    with_env $RUNNING stop >>"$VAR/bench.log" 2>&1 || say "stop failed; see $VAR/"
  fi
  # A clean run keeps the results and logs; the datadirs (and Galera's caches) go.
  if [ "$rc" -eq 0 ] && [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    rm -rf "$VAR/stack/mysql" "$VAR"/cluster/node[0-9] "$VAR/stack/tmp" "$VAR/cluster/tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A block of 40 free ports (Galera, Redis, Sentinels) below the ephemeral range.
free_block() {
  local b p ok
  for _ in $(seq 1 100); do
    b=$(( 20000 + 40 * (RANDOM % 300) )) ok=1
    for (( p = b; p < b + 40; p++ )); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ok=0; break; fi
    done
    [ "$ok" = 1 ] && { echo "$b"; return 0; }
  done
  die "no free block of 40 ports"
}

# measure LABEL SOCKET_OF_NODE...: creates a product, runs wrk holds against $BASE_URL, checks
# the rows on every node given, and sets HOLDS_PER_SECOND.
measure() {
  local label=$1 id body out s201 w201 sock
  shift
  body=$(curl -s -X POST "$BASE_URL/api/admin/products" -H "Authorization: Bearer $ADMIN_TOKEN" \
           -H 'Content-Type: application/json' -d "{\"name\":\"bench $label\",\"price\":9.99,\"stock\":$UNLIMITED_STOCK}")
  id=$(sed -n 's/.*"id" *: *\([0-9][0-9]*\).*/\1/p' <<<"$body")
  [ -n "$id" ] || die "$label: could not create the product: $body"
  out=$VAR/$label.wrk.txt
  LUA_PATH="$LUA_DIR/?.lua;;" wrk -t2 -c"$CONNS" -d"$(( DURATION + DRAIN ))s" --timeout 30s \
    -s "$LUA_DIR/holds.lua" "$BASE_URL" -- "$DURATION" "$id" >"$out" 2>"$VAR/$label.wrk.err" \
    || die "$label: wrk failed: $(head -n 3 "$VAR/$label.wrk.err")"
  local result
  result=$(sed -n 's/^BENCH_RESULT //p' "$out")
  [ -n "$result" ] || die "$label: no result from wrk"
  s201=$(jnum "$result" s201) w201=$(jnum "$result" w201)
  [ "$(jnum "$result" unexpected)" = 0 ] || die "$label: unexpected answers: $result"
  for sock in "$@"; do
    local rows
    rows=$(mariadb --no-defaults --socket="$sock" -uroot -N -B flashsale \
             -e "SELECT CONCAT((SELECT COUNT(*) FROM holds WHERE product_id = $id), ',', reserved) FROM products WHERE id = $id")
    [ "$rows" = "$s201,$s201" ] \
      || die "$label: holds rows,reserved on $sock are $rows, wrk saw $s201 answers 201"
  done
  HOLDS_PER_SECOND=$(calc "$w201 / $DURATION" %.1f)
  say "$label: $HOLDS_PER_SECOND holds/s ($w201 in ${DURATION}s, $s201 in all; p50 $(jnum "$result" p50_ms) ms, p99 $(jnum "$result" p99_ms) ms)"
  echo "$result" >"$VAR/$label.json"
}

main() {
  command -v wrk >/dev/null || die "wrk not found (make deps)"
  mkdir -p "$VAR"
  chmod 755 "$VAR"
  local port single cluster
  say "holds, ${DURATION}s (+${DRAIN}s drain), $CONNS connections; $(( POOLS * WORKERS )) workers in all; state in $VAR"

  port=$(free_port)
  BASE_URL=http://127.0.0.1:$port
  RUNNING="conf/local/stack.sh $VAR/stack $port"
  say "starting the local stack (one MariaDB, one pool of $(( POOLS * WORKERS )) workers)"
  FLASHSALE_WORKERS=$(( POOLS * WORKERS )) with_env conf/local/stack.sh "$VAR/stack" "$port" start \
    >>"$VAR/bench.log" 2>&1 || { tail -n 30 "$VAR/bench.log" >&2; die "stack.sh start failed"; }
  measure single "$VAR/stack/run/mysqld.sock"
  single=$HOLDS_PER_SECOND
  with_env conf/local/stack.sh "$VAR/stack" "$port" stop >>"$VAR/bench.log" 2>&1
  RUNNING=''

  port=$(free_port)
  BASE_PORT=$(free_block)
  BASE_URL=http://127.0.0.1:$port
  RUNNING="conf/local/cluster.sh $VAR/cluster $port"
  say "starting the local cluster (3 Galera nodes, $POOLS pools of $WORKERS workers)"
  local t0=$SECONDS
  FLASHSALE_WORKERS=$WORKERS with_env conf/local/cluster.sh "$VAR/cluster" "$port" start \
    >>"$VAR/bench.log" 2>&1 || { tail -n 30 "$VAR/bench.log" >&2; die "cluster.sh start failed"; }
  say "cluster up in $(( SECONDS - t0 ))s"
  measure cluster "$VAR/cluster/run/node1.sock" "$VAR/cluster/run/node2.sock" "$VAR/cluster/run/node3.sock"
  cluster=$HOLDS_PER_SECOND

  local ratio
  ratio=$(calc "$cluster / $single" %.2f)
  say "holds/s: one MariaDB $single, Galera cluster $cluster, ratio cluster/single $ratio"
  printf '{"duration_s":%s,"connections":%s,"pools":%s,"workers_per_pool":%s,"single_holds_per_s":%s,"cluster_holds_per_s":%s,"ratio":%s}\n' \
    "$DURATION" "$CONNS" "$POOLS" "$WORKERS" "$single" "$cluster" "$ratio" >"$VAR/results.json"
}

main "$@"
