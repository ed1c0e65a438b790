#!/usr/bin/env bash
# jobs_bench.sh: one suite as one process vs `testdb run --jobs N`, on one
# running server, with the server connections each run held at its peak.
#
#   bench/jobs_bench.sh [--runs R] [--jobs N] [--json FILE] TESTDB SUITE...
#
# For every SUITE: R runs of `testdb run -- SUITE` and R of `testdb run
# --jobs N -- SUITE`, alternating so both see the same machine load; prints
# the median walls, their ratio (one process / jobs) and the peak server
# connections that testdb run sampled (pg_stat_activity), next to the bound
# N x (connection_limit + 1 slot). The server: DATABASE_URL_TEST, else one
# `testdb up` started here and stopped at the end. Measures only; asserts nothing.
# SUITE may be a Catch2 v2, Catch2 v3 or GoogleTest suite (e.g. booking_it,
# booking_it_catch2v3, booking_gtest_it, bench_thousand_it).
set -euo pipefail

runs=3
jobs=2
json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    *) break ;;
  esac
done
tool="$(realpath "${1:?usage: jobs_bench.sh [--runs R] [--jobs N] [--json FILE] TESTDB SUITE...}")"
shift
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_scratch_and_server "$tool"
work=$scratch

field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2]); print(0 if v is None else v)' "$@"; }

# timed ARGS...: runs `testdb run ARGS` writing $work/r.json; prints "wall peak limit".
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  "$tool" run --report "$work/r.json" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc -l) $(field "$work/r.json" peak_server_connections) $(field "$work/r.json" connection_limit)"
}

out="{\"runs\": $runs, \"jobs\": $jobs, \"suites\": {"
sep=""
printf '%-24s %9s %9s %7s %10s %10s\n' suite "1 proc s" "jobs s" ratio "peak 1/N" "bound"
for suite in "$@"; do
  name=$(basename "$suite")
  one=() many=() peak1=0 peakn=0 limit=3
  "$tool" run --report "$work/r.json" -- "$suite" >/dev/null 2>&1  # warm up; --jobs balances by it
  for ((i = 1; i <= runs; i++)); do
    read -r w p limit < <(timed -- "$suite")
    one+=("$w"); [ "$p" -gt "$peak1" ] && peak1=$p
    cp "$work/r.json" "$work/balance.json"
    read -r w p limit < <(timed --jobs "$jobs" --balance-from "$work/balance.json" -- "$suite")
    many+=("$w"); [ "$p" -gt "$peakn" ] && peakn=$p
  done
  m1=$(printf '%s\n' "${one[@]}" | median)
  mn=$(printf '%s\n' "${many[@]}" | median)
  ratio=$(echo "$m1 / $mn" | bc -l)
  bound=$((jobs * (limit + 1)))
  printf '%-24s %9.2f %9.2f %6.2fx %10s %10s\n' "$name" "$m1" "$mn" "$ratio" "$peak1/$peakn" "$bound"
  out+="$sep\"$name\": {\"one_process_seconds\": $m1, \"jobs_seconds\": $mn, \"ratio\": $ratio, \"peak_one\": $peak1, \"peak_jobs\": $peakn, \"bound\": $bound}"
  sep=", "
done
out+="}, \"load_average\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
echo "jobs_bench: median of $runs runs each, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
[ -z "$json" ] || bench_write_json "$json" "$out"
