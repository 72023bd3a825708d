#!/usr/bin/env bash
# tests/fuzz/run.sh MODE [HARNESS...]: runs the libFuzzer harnesses built in build/fuzz/bin/.
#
#   replay    every file of tests/fuzz/corpus/<h>/ and tests/fuzz/crashes/<h>/, once, under ASan
#             and UBSan (`make test`, `make fuzz-replay`). Fails when any input fails.
#   fuzz      each harness for FUZZ_SECONDS (default 300) on one core, its corpus as the start;
#             the inputs it found are merged into tests/fuzz/corpus/<h>/ with -merge=1
#             -use_counters=0 (only those reaching an edge of app code that no corpus file
#             reaches, so the corpora stay small). A crash, leak, timeout or broken property
#             leaves its input in tests/fuzz/crashes/<h>/ and fails the run (`make fuzz`).
#   minimize  rewrites each corpus as its seed-* files plus the fewest other files that keep its
#             coverage (`make fuzz-minimize`).
#
# Without HARNESS arguments: every harness (tests/fuzz/*_fuzzer.cc). Logs: build/fuzz/logs/.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

readonly BIN=build/fuzz/bin
readonly CORPUS=tests/fuzz/corpus
readonly CRASHES=tests/fuzz/crashes
readonly DICTS=tests/fuzz/dict
readonly LOGS=build/fuzz/logs
readonly FUZZ_SECONDS=${FUZZ_SECONDS:-300}

# Reports are symbolized (llvm-symbolizer, Debian package llvm); leaks count as findings.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1 &&
   [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

harnesses() {
  if [ $# -gt 0 ]; then
    printf '%s\n' "$@"
  else
    local f
    for f in tests/fuzz/*_fuzzer.cc; do
      f=${f##*/}
      echo "${f%_fuzzer.cc}"
    done
  fi
}

# The regular files of the given directories (no dot files), one per line.
inputs_in() {
  local d
  for d in "$@"; do
    [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' | sort
  done
}

# What a failed run says: the input it was on, then the report (property, sanitizer, libFuzzer).
explain() {
  grep -E '^Running: ' "$1" | tail -n 1
  awk '/property violated|ERROR: |runtime error:/ && !shown { shown = 1 }
       shown && n < 16 && !/^    #[0-9]/ { print; n++ }' "$1"
}

replay() {
  local h failed=0 summary=()
  for h in "$@"; do
    local bin=$BIN/$h log=$LOGS/replay-$h.log
    if [ ! -x "$bin" ]; then
      echo "fuzz replay: $bin is missing (make fuzz-build)"
      failed=1
      summary+=("$h: not built")
      continue
    fi
    local files
    mapfile -t files < <(inputs_in "$CORPUS/$h" "$CRASHES/$h")
    if [ "${#files[@]}" -eq 0 ]; then
      summary+=("$h: no inputs")
      continue
    fi
    local rc=0
    "$bin" -timeout=60 -rss_limit_mb=4096 "${files[@]}" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] && grep -q 'LeakSanitizer has encountered a fatal error' "$log"; then
      # LSan cannot stop the world where ptrace is forbidden (some containers): without leak
      # checking rather than no replay at all.
      echo "fuzz replay: $h: LeakSanitizer cannot run here; replaying without leak checks"
      ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" "$bin" -timeout=60 -rss_limit_mb=4096 \
        "${files[@]}" >"$log" 2>&1 && rc=0
    fi
    if [ "$rc" -eq 0 ]; then
      summary+=("$h: ${#files[@]} ok")
    else
      failed=1
      summary+=("$h: FAILED")
      echo "fuzz replay: $h FAILED (full output: $log):"
      explain "$log"
    fi
  done
  local joined
  joined=$(printf '%s, ' "${summary[@]}")
  echo "fuzz replay: ${joined%, }"
  return $failed
}

fuzz() {
  local h failed=0 summary=()
  for h in "$@"; do
    local bin=$BIN/$h log=$LOGS/fuzz-$h.log
    mkdir -p "$CORPUS/$h" "$CRASHES/$h"
    local new
    new=$(mktemp -d "$LOGS/new-$h.XXXXXX")
    local dict=()
    [ -f "$DICTS/$h.dict" ] && dict=(-dict="$DICTS/$h.dict")
    local before
    before=$(inputs_in "$CORPUS/$h" | wc -l)
    local marker=$LOGS/.started-$h
    touch "$marker"
    echo "fuzz: $h for ${FUZZ_SECONDS}s (log $log)"
    local rc=0
    # New inputs go to $new (the first directory); the corpus and past crashes are read only.
    "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -report_slow_units=60 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$CRASHES/$h/" "${dict[@]}" \
      "$new" "$CORPUS/$h" "$CRASHES/$h" >"$log" 2>&1 || rc=$?
    "$bin" -merge=1 -use_counters=0 "$CORPUS/$h" "$new" >"$LOGS/merge-$h.log" 2>&1 ||
      echo "fuzz: merging $h's new inputs failed (see $LOGS/merge-$h.log)" >&2
    rm -rf "$new"
    local after execs
    after=$(inputs_in "$CORPUS/$h" | wc -l)
    execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
      summary+=("$h: ${execs:-?} runs, +$((after - before)) corpus")
    else
      failed=1
      summary+=("$h: FAILED after ${execs:-?} runs")
      echo "fuzz: $h FAILED (exit $rc, full output: $log):"
      explain "$log"
      find "$CRASHES/$h" -type f -newer "$marker" -printf 'fuzz: kept %p\n'
    fi
    rm -f "$marker"
  done
  printf 'fuzz: %s\n' "${summary[@]}"
  return $failed
}

minimize() {
  local h failed=0
  for h in "$@"; do
    local bin=$BIN/$h others
    others=$(mktemp -d "$LOGS/minimize-$h.XXXXXX")
    find "$CORPUS/$h" -maxdepth 1 -type f ! -name 'seed-*' ! -name '.*' -exec mv -t "$others" {} +
    local before after
    before=$(inputs_in "$others" | wc -l)
    if "$bin" -merge=1 -use_counters=0 "$CORPUS/$h" "$others" >"$LOGS/minimize-$h.log" 2>&1; then
      after=$(inputs_in "$CORPUS/$h" | grep -vc '/seed-')
      echo "fuzz-minimize: $h: $before -> $after files besides the seeds"
      rm -rf "$others"
    else
      echo "fuzz-minimize: $h failed (see $LOGS/minimize-$h.log); corpus left as it was" >&2
      find "$others" -type f -exec mv -t "$CORPUS/$h" {} +
      rmdir "$others"
      failed=1
    fi
  done
  return $failed
}

main() {
  local mode=${1:-}
  shift || true
  mkdir -p "$LOGS"
  local list
  mapfile -t list < <(harnesses "$@")
  case "$mode" in
    replay) replay "${list[@]}" ;;
    fuzz) fuzz "${list[@]}" ;;
    minimize) minimize "${list[@]}" ;;
    *)
      echo "usage: $0 replay|fuzz|minimize [HARNESS...]" >&2
      return 2
      ;;
  esac
}

main "$@"
