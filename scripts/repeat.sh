#!/usr/bin/env bash
# Runs one test suite N times in a row and reports how many runs passed and
# the wall time of each: the flake detector for database suites.
#
#   scripts/repeat.sh N TARGET [ARGS...]
#
#   TARGET  an executable (a path, e.g. build/examples/booking/tests/booking_it),
#           run directly with ARGS; or else a ctest label (e.g. example), run as
#           `ctest -L TARGET` in $TESTDB_BUILD_DIR (default: build/), with ARGS
#           passed on to ctest.
#
# Every run's output goes to $REPEAT_LOG_DIR (default: a new /tmp/repeat.*
# directory); logs of passing runs are deleted unless KEEP_LOGS=1. Exits 1
# when any run failed, 2 on bad usage.
source "$(dirname "$0")/common.sh"

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
runs=$1
target=$2
shift 2
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "repeat.sh: N must be a positive integer, got '$runs'" >&2; usage; }

if [[ "$target" == */* ]] || [ -f "$target" ]; then
  [ -x "$target" ] || { echo "repeat.sh: '$target' is not an executable file" >&2; exit 2; }
  target=$(cd "$(dirname "$target")" && pwd)/$(basename "$target")
  describe="$target $*"
  run_once() { "$target" "$@"; }
else
  [ -f "$TESTDB_BUILD_DIR/CTestTestfile.cmake" ] ||
    { echo "repeat.sh: no ctest tree in $TESTDB_BUILD_DIR (set TESTDB_BUILD_DIR or build first)" >&2; exit 2; }
  describe="ctest -L $target in $TESTDB_BUILD_DIR $*"
  # --no-tests=error: a mistyped label must fail, not pass N times doing nothing.
  run_once() { ctest --test-dir "$TESTDB_BUILD_DIR" -L "$target" --no-tests=error --output-on-failure "$@"; }
fi

log_dir=${REPEAT_LOG_DIR:-$(mktemp -d /tmp/repeat.XXXXXX)}
mkdir -p "$log_dir"
say "$runs runs of: $describe (logs in $log_dir)"

passed=0
failed_runs=()
times=()
for ((i = 1; i <= runs; i++)); do
  log="$log_dir/run-$i.log"
  start=$(date +%s%N)
  if run_once "$@" >"$log" 2>&1; then status=pass; passed=$((passed + 1)); else status=FAIL; failed_runs+=("$i"); fi
  end=$(date +%s%N)
  seconds=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
  times+=("$seconds")
  printf 'run %3d/%d  %-4s  %7s s\n' "$i" "$runs" "$status" "$seconds"
  if [ "$status" = pass ] && [ "${KEEP_LOGS:-0}" != 1 ]; then rm -f "$log"; fi
done

stats=$(printf '%s\n' "${times[@]}" | sort -n |
  awk '{ t[NR] = $1; sum += $1 } END { printf "min %.2f s, median %.2f s, mean %.2f s, max %.2f s",
       t[1], (NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2), sum / NR, t[NR] }')
say "passed $passed/$runs; wall time per run: $stats"
if [ ${#failed_runs[@]} -gt 0 ]; then
  echo "failed runs: ${failed_runs[*]} (logs: $log_dir/run-<n>.log)"
  exit 1
fi
