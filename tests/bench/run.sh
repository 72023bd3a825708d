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
#   BENCH_SCENARIOS     which scenarios to run, in order (default: all nine; targets whose
#                       scenario or ceiling did not run are left out)
#   BENCH_BURST_CONNECTIONS  connection counts of the burst's rounds (default "4000 8000"; each
#                       capped by the hard open-file limit, which the run raises its own to)
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
# The functions live in tests/bench/lib/, one file per job: common (output, numbers), stack (the
# stack, the ceiling responder, SQL), results (wrk, CPU and database counters, the rows),
# invariants (the database checks), scenarios, burst (the burst scenario), report (targets,
# table, results.json).
#
# After every scenario the database is checked (no oversell, reserved = active holds + pending
# orders, rows = the 201s wrk saw, paid orders each used exactly one hold...) and every answer
# must have had an expected status. Exit status: 0 when all of that held (targets missed are
# reported, not failed), 1 when something did not or a scenario could not run at all.
# shellcheck source-path=SCRIPTDIR
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
ALL_SCENARIOS="ceiling_static ceiling_fcgi ceiling_db product_get holds holds_limited flash_sale checkout burst"
UNLIMITED_STOCK=1000000000

[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_DURATION must be a whole number of seconds" >&2; exit 2; }

# The functions, one file per job (sourcing them only defines functions and globals).
# shellcheck source=lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=lib/stack.sh
source "$BENCH_DIR/lib/stack.sh"
# shellcheck source=lib/results.sh
source "$BENCH_DIR/lib/results.sh"
# shellcheck source=lib/invariants.sh
source "$BENCH_DIR/lib/invariants.sh"
# shellcheck source=lib/scenarios.sh
source "$BENCH_DIR/lib/scenarios.sh"
# shellcheck source=lib/burst.sh
source "$BENCH_DIR/lib/burst.sh"
# shellcheck source=lib/report.sh
source "$BENCH_DIR/lib/report.sh"

RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
VAR=$REPO/var/bench-$RUN_ID
OUT=$VAR/bench
PORT=$(free_port)
BASE_URL=http://127.0.0.1:$PORT
WEBHOOK_SECRET=bench-webhook-secret-$RUN_ID
ADMIN_TOKEN=bench-admin-token-$RUN_ID
CEILING_PID=
STACK_STARTED=0

trap cleanup EXIT
# set -e stops at the first failing command; say which, instead of exiting silently.
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

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
