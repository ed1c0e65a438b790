#!/usr/bin/env bash
# Draws the per-test isolation overhead by method (median and p95, log scale)
# from the JSON scripts/bench writes. Needs gnuplot (Debian: gnuplot-nox).
#
#   bench/plot.sh RESULTS.json [OUT.png]     (default OUT: docs/bench-overhead.png)
#
# bench_report extracts the columns; found via $BENCH_REPORT or the build dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
json="$1"
png="${2:-$ROOT/docs/bench-overhead.png}"
report="${BENCH_REPORT:-${TESTDB_BUILD_DIR:-$ROOT/build}/bench/bench_report}"
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -x "$report" ] || { echo "plot.sh: $report not built (cmake --build ... --target bench_report)" >&2; exit 1; }

data="$(mktemp)"
trap 'rm -f "$data"' EXIT
"$report" --plot-data "$data" "$json" >/dev/null
when="$(jq -r '.machine.date // empty' "$json" 2>/dev/null || true)"
server="$(sed -n 's/^# server: //p' "$data")"

gnuplot <<GP
set terminal pngcairo size 1000,600 font "sans,10"
set bmargin 5
set output "$png"
set title "testdb: isolation cost per simulated test case (tenant + 5 rows + read back)\n{/*0.8 one run, $when, $(nproc) cores, $server; log scale}"
set ylabel "ms per test case"
set logscale y
set yrange [0.05:*]
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set xtics font ",9" noenhanced
plot "$data" using 2:xtic(1) title "median" linecolor rgb "#2b6cb0", \
     "" using 3 title "p95" linecolor rgb "#a0aec0", \
     "" using 0:2:(sprintf("%.2f", \$2)) with labels offset -1.6,0.6 font ",8" notitle
GP
echo "wrote $png"
