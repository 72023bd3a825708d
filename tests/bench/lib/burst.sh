# shellcheck shell=bash
# tests/bench/lib/burst.sh: the burst scenario, its targets and its summary lines.
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.
#
# A flash sale is a burst: the link goes out and thousands of clients press the button in the
# same second. `burst` runs one round per connection count (BENCH_BURST_CONNECTIONS, default
# "4000 8000"), each on a fresh 1000-unit product for DURATION seconds plus the drain, with
# clients that honour Retry-After (lua/burst.lua). Every answer must be 201, 409
# insufficient_stock or 503 overloaded with Retry-After, and exactly 1000 holds must exist, each
# seen as a 201 (else: invariant violations, like the other scenarios). Reported targets: served
# answers (201 + 409) per second in the window >= 0.4 x ceiling_fcgi, p99 <= 1 s, no socket
# error or timeout. One wrk connection is one descriptor, so the counts are capped by the hard
# RLIMIT_NOFILE (run.sh raises the soft limit to it); the run says which it used.

declare -A BURST_SOCKET_ERRORS=() BURST_SUMMARY=()
BURST_COUNTS=''

# Sets BURST_COUNTS: the wanted counts, each capped by what this process may open (less a margin
# for wrk's own files), duplicates dropped.
burst_connection_counts() {
  local hard max c counts=''
  ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
  hard=$(ulimit -Sn)
  [ "$hard" != unlimited ] || hard=1048576
  max=$(( hard - 256 ))
  for c in ${BENCH_BURST_CONNECTIONS:-4000 8000}; do
    [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "BENCH_BURST_CONNECTIONS: '$c' is not a count"
    [ "$c" -le "$max" ] || c=$max
    [[ " $counts " == *" $c "* ]] || counts+="${counts:+ }$c"
  done
  BURST_COUNTS=$counts
  say "burst: ${BURST_COUNTS// / and } connections (open-file limit $hard)"
}

scenario_burst() {
  local conns
  [ -n "$BURST_COUNTS" ] || burst_connection_counts
  for conns in $BURST_COUNTS; do
    check_stack_alive
    burst_round "$conns"
  done
}

# burst_round CONNECTIONS: one row, burst_CONNECTIONS.
burst_round() {
  local conns=$1 name=burst_$1 id r s201 served w503 sockets
  id=$(create_product "$name" "$FLASH_STOCK")
  run_wrk "$name" "$conns" $(( DURATION + DRAIN )) burst.lua "$id"
  r=$WRK_RESULT
  s201=$(jnum "$r" s201)
  served=$(( $(jnum "$r" w201) + $(jnum "$r" w409) ))
  w503=$(jnum "$r" w503)
  sockets=$(jnum "$r" socket_errors)
  BURST_SOCKET_ERRORS[$name]=$sockets
  record "$name" "$(( s201 + $(jnum "$r" sold_out) ))" "$(calc "$served / $DURATION" %.1f)" \
    "$(jnum "$r" p50_ms)" "$(jnum "$r" p99_ms)" "$(wrk_errors "$r")" \
    "\"connections\":$conns,\"holds_201\":$s201,\"sold_out_409\":$(jnum "$r" sold_out),\
\"overloaded_503\":$(jnum "$r" overloaded),\"overloaded_503_per_s\":$(calc "$w503 / $DURATION" %.1f),\
\"retries_delayed\":$(jnum "$r" retries_delayed),\"socket_errors\":$sockets,\
\"err_connect\":$(jnum "$r" err_connect),\"err_read\":$(jnum "$r" err_read),\
\"err_write\":$(jnum "$r" err_write),\"err_timeout\":$(jnum "$r" err_timeout)"
  BURST_SUMMARY[$name]="201: $s201, 409: $(jnum "$r" sold_out), 503 overloaded: $(jnum "$r" overloaded)\
 ($(calc "$w503 / $DURATION" %.0f)/s in the window), delayed retries: $(jnum "$r" retries_delayed),\
 socket errors: $sockets (connect $(jnum "$r" err_connect), read $(jnum "$r" err_read),\
 write $(jnum "$r" err_write), timeout $(jnum "$r" err_timeout))"
  check_global_invariants "$name"
  expect_answers "$name" "$r" "201, 409 insufficient_stock or 503 overloaded with Retry-After"
  expect "$name" "201 answers seen by wrk" "$s201" "$FLASH_STOCK"
  expect "$name" "holds rows of product $id" "$(sql "SELECT COUNT(*) FROM holds WHERE product_id = $id")" "$FLASH_STOCK"
  expect "$name" "stock,reserved of product $id" "$(sql "SELECT CONCAT(stock, ',', reserved) FROM products WHERE id = $id")" "$FLASH_STOCK,$FLASH_STOCK"
}

# The targets of every burst row that ran (called by evaluate_targets).
burst_targets() {
  local s
  for s in "${SCENARIOS[@]}"; do
    [[ "$s" == burst_* ]] || continue
    ratio_target "$s" ceiling_fcgi 0.4
    target "${s}_p99" "${P99[$s]}" "${P99[$s]} ms" "<=" 1000 "<= 1000 ms" "p99 ms of all answers, $s"
    target "${s}_errors" "${BURST_SOCKET_ERRORS[$s]}" "${BURST_SOCKET_ERRORS[$s]} socket errors" \
      "<=" 0 "0" "socket errors and timeouts, $s"
  done
}

# What each burst round got, one line per round (called by print_table).
burst_summary() {
  local s
  for s in "${SCENARIOS[@]}"; do
    [ -z "${BURST_SUMMARY[$s]:-}" ] || printf '  %-15s %s\n' "$s" "${BURST_SUMMARY[$s]}"
  done
}
