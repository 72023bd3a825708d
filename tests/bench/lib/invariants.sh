# shellcheck shell=bash
# tests/bench/lib/invariants.sh: what must hold in the database after every scenario, and the
# answers each one expects.
# Sourced by tests/bench/run.sh (which sets `set -Eeuo pipefail` and the run's globals); not a
# program of its own.

VIOLATIONS=()

violation() {
  VIOLATIONS+=("$1: $2")
  say "INVARIANT VIOLATED ($1): $2"
}

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
