#!/usr/bin/env bash
# tests/fuzz/sanitized_tests.sh [BOOST_TEST_ARGS...]: `make test-sanitize` after the build. Runs
# the unit tests and the integration tests built with ASan + UBSan (build/sanitize/, g++), the
# integration stack running the sanitized pool, migrations and expiry job
# (FLASHSALE_BIN_DIR=build/sanitize/bin). Arguments go to integration_tests (--run_test=...).
#
# A sanitizer report must fail the run even when it comes from a pool worker, whose death the
# master hides by forking a replacement (and a retrying client may never notice):
#   - ASan reports of every process go to build/sanitize/reports/asan.<pid> (log_path);
#   - UBSan reports (g++'s runtime ignores log_path for them) go to each process's stderr: the
#     suites' output (kept in build/sanitize/reports/*.log) and the stack's logs (the pool's
#     stderr is var/log/flashsale.log), which are searched after the run. The test stack's var
#     dir is kept for that (FLASHSALE_ITEST_KEEP=1) and removed afterwards when all is clean.
# halt_on_error=1: a report ends the process. Leaks are checked in the unit tests only: the pool,
# the jobs and the integration binary exit with allocations still held by libraries (log4cplus,
# Connector/C++, curl); their leak reports would be noise, with an exit code the stack and the
# tests would misread. SAN_EXTRA_ASAN_OPTIONS appends ASan options.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

readonly SAN=build/sanitize
readonly REPORTS=$PWD/$SAN/reports
readonly PATTERN='runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer'
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

asan="halt_on_error=1:abort_on_error=0:symbolize=1:log_path=$REPORTS/asan"
asan+="${SAN_EXTRA_ASAN_OPTIONS:+:$SAN_EXTRA_ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1 &&
   [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

unit=0
integ=0
echo "test-sanitize: unit tests ($SAN/tests/unit_tests)"
ASAN_OPTIONS="$asan:detect_leaks=1" "$SAN/tests/unit_tests" --log_level=test_suite \
  --report_level=short --color_output=no 2>&1 | tee "$REPORTS/unit.log"
unit=${PIPESTATUS[0]}

echo "test-sanitize: integration tests ($SAN/tests/integration_tests, stack binaries from $SAN/bin)"
ASAN_OPTIONS="$asan:detect_leaks=0" FLASHSALE_BIN_DIR="$PWD/$SAN/bin" FLASHSALE_ITEST_KEEP=1 \
  "$SAN/tests/integration_tests" --log_level=test_suite --report_level=short --color_output=no \
  "$@" 2>&1 | tee "$REPORTS/integration.log"
integ=${PIPESTATUS[0]}

# The stack's var dir, as the fixture printed it: "[itest] stack up on ..., state in DIR".
var_dir=$(sed -n 's/^\[itest\] stack up on .*, state in \(\/tmp\/flashsale-itest\.[A-Za-z0-9]*\)$/\1/p' \
            "$REPORTS/integration.log" | tail -n 1)

found=()
for f in "$REPORTS"/asan.*; do
  [ -f "$f" ] && found+=("$f")
done
for f in "$REPORTS/unit.log" "$REPORTS/integration.log"; do
  grep -qE "$PATTERN" "$f" && found+=("$f")
done
if [ -n "$var_dir" ] && [ -d "$var_dir/log" ]; then
  while IFS= read -r f; do
    cp "$f" "$REPORTS/stack-$(basename "$f")"
    found+=("$f (copied to $REPORTS/stack-$(basename "$f"))")
  done < <(grep -rlE "$PATTERN" "$var_dir/log" 2>/dev/null)
else
  echo "test-sanitize: the test stack's var dir was not found in the output; its logs were not searched"
  [ "$integ" -eq 0 ] && integ=1
fi

for f in "${found[@]}"; do
  echo "===== sanitizer report in $f ====="
  grep -hE -A12 "$PATTERN" "${f%% (copied*}" | head -n 60
done

verdict() { if [ "$1" -eq 0 ]; then echo passed; else echo FAILED; fi; }
if [ -n "$var_dir" ] && [ -d "$var_dir" ]; then
  if [ "$unit" -eq 0 ] && [ "$integ" -eq 0 ] && [ "${#found[@]}" -eq 0 ]; then
    rm -rf "$var_dir"
  else
    echo "test-sanitize: the test stack's state and logs are kept in $var_dir"
  fi
fi
echo "SUMMARY (sanitized): unit tests $(verdict "$unit"), integration tests $(verdict "$integ")," \
     "sanitizer reports: ${#found[@]}"
[ "$unit" -eq 0 ] && [ "$integ" -eq 0 ] && [ "${#found[@]}" -eq 0 ]
