# shellcheck shell=bash
# tests/bench/lib/results.sh: measuring a scenario (wrk, CPU per component, MariaDB counters,
# the pool's own timings) and recording its row.
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.

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
    | grep -aE '^[0-9T:.-]+Z +INFO +flashsale\.access \[[0-9]+\] [A-Z]+ /[^ ]* [0-9]{3} [0-9]+us \[[0-9a-f]*\]$' \
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

declare -A RPS P50 P99 ERRORS EXTRA CPU DBW DBOPS POOL
SCENARIOS=()

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
