#!/usr/bin/env bash
# frameworks_bench.sh: the same suite under several test frameworks, one
# process each, run by run in turn on one running server.
#
#   bench/frameworks_bench.sh [--runs R] TESTDB SUITE...
#
# Each of R rounds runs every SUITE once, in that order, so all of them see
# the same machine load; prints each suite's median wall and its ratio to the
# last SUITE's. On a shared machine one run can take 3x another of the same
# suite, so suites timed in separate blocks (as jobs_bench.sh does, one suite
# after the other) must not be compared with each other: compare them here.
# Meant for the generated 1,000-test suites (bench_thousand_it,
# bench_thousand_catch2v3_it, bench_thousand_gtest_it). The server:
# DATABASE_URL_TEST, else one `testdb up` started here and stopped at the end.
# Measures only; asserts nothing.
set -euo pipefail

runs=9
if [ "${1:-}" = "--runs" ]; then
  runs="$2"
  shift 2
fi
tool="$(realpath "${1:?usage: frameworks_bench.sh [--runs R] TESTDB SUITE...}")"
shift
[ $# -gt 0 ] || { echo "frameworks_bench.sh: no SUITE given" >&2; exit 2; }
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_scratch_and_server "$tool"

declare -A walls
for suite in "$@"; do
  "$suite" >/dev/null 2>&1  # warm up: the schema applied, the server's caches filled
  walls[$suite]=""
done
for ((i = 1; i <= runs; i++)); do
  for suite in "$@"; do
    t0=$(date +%s.%N)
    "$suite" >"$scratch/out" 2>&1 || { cat "$scratch/out" >&2; exit 1; }
    t1=$(date +%s.%N)
    walls[$suite]+="$(echo "$t1 - $t0" | bc -l)"$'\n'
  done
done

last="${*: -1}"
base=$(printf '%s' "${walls[$last]}" | median)
printf '%-28s %9s %9s %9s %8s\n' suite "median s" "min s" "max s" "/ last"
for suite in "$@"; do
  m=$(printf '%s' "${walls[$suite]}" | median)
  lo=$(printf '%s' "${walls[$suite]}" | sort -g | head -1)
  hi=$(printf '%s' "${walls[$suite]}" | sort -g | tail -1)
  printf '%-28s %9.2f %9.2f %9.2f %7.2fx\n' "$(basename "$suite")" "$m" "$lo" "$hi" "$(echo "$m / $base" | bc -l)"
done
echo "frameworks_bench: $runs rounds, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
