# shellcheck shell=bash
# tests/bench/lib/report.sh: the targets, the table and results.json.
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.

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
  burst_targets
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
      burst_*_p99)
        printf '%-16s %10s %8s %8.2f %7s  %-22s %-10s %s\n' "$name" "" "" "${P99[${name%_p99}]}" "" \
          "of all answers" "$t" "$m" ;;
      burst_*_errors)
        printf '%-16s %10s %8s %8s %7s  %-22s %-10s %s\n' "$name" "" "" "" "" "$v" "$t" "$m" ;;
    esac
  done
  cat <<EOF
(rps: answers/s with the expected status inside the ${DURATION}s window; flash_sale: sold-out
 409s/s from the moment the stock ran out; checkout: paid checkouts/s (3 requests each);
 ceiling_db: committed updates/s, p50/p99 per statement; burst_N: 201 + 409 answers/s at N
 connections, the 503s of admission control not counted. Errors: unexpected statuses + socket errors.)
EOF
  if [ "${#VIOLATIONS[@]}" -eq 0 ]; then
    echo "invariants: all checks passed"
  else
    echo "invariants: ${#VIOLATIONS[@]} VIOLATED"
    printf '  - %s\n' "${VIOLATIONS[@]}"
  fi
  burst_summary
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
