# shellcheck shell=bash
# tests/bench/lib/scenarios.sh: the scenarios, scenario_NAME, run in the order of BENCH_SCENARIOS
# (the burst is in burst.sh).
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.

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
