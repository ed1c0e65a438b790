#!/usr/bin/env bash
# build_bench.sh: what a test author waits for between an edit and a result.
#
#   bench/build_bench.sh [--runs N] [--json FILE] BUILD_DIR
#
# Figures, each the median of N runs (default 5), compiler cache off:
#   rebuild:<suite>   touch one test file of the suite, rebuild the suite
#                     (booking_it, booking_it_catch2v3, booking_gtest_it: the
#                     ones BUILD_DIR has)
#   run:booking_it    booking_it on a running server (DATABASE_URL_TEST; unset:
#                     `testdb up` starts one, `testdb down` stops it)
#   loop:booking_it   the two together: the edit-run loop
# BENCH_SUITES="booking_it ..." measures only those suites.
# Next to each, the same step as testdb_add_integration_suite built it before
# (the "base"): the touched file compiled with the build's own flags and no
# precompiled header, the suite linked with the default linker; both from the
# build's compile_commands.json and link.txt, into a scratch object and
# executable. Build and base alternate run by run, so both see the same
# machine load; the load average is printed with the figures. It measures;
# it asserts nothing.
set -euo pipefail

runs=5
json=""
while [ $# -gt 1 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    *) echo "build_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
build="$(realpath "${1:?usage: build_bench.sh [--runs N] [--json FILE] BUILD_DIR}")"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A touched file's content is unchanged: a compiler cache would return the
# old object and hide the compile an edit costs. Off, a touch costs what an edit does.
export CCACHE_DISABLE=1

declare -A touched=(  # suite -> the test file touched
  [booking_it]=examples/booking/tests/booking_repository_test.cpp
  [booking_it_catch2v3]=examples/booking/tests/booking_repository_test.cpp
  [booking_gtest_it]=examples/booking/tests/gtest/booking_repository_test.cpp
)
suites=()
targets="$(cmake --build "$build" --target help)"
for suite in ${BENCH_SUITES:-booking_it booking_it_catch2v3 booking_gtest_it}; do
  if grep -q "\.\.\. $suite\$" <<<"$targets"; then
    suites+=("$suite")
  fi
done
cmake --build "$build" --target testdb_cli "${suites[@]}" -j2 >/dev/null
source "$src/bench/bench_lib.sh"
bench_scratch_and_server "$build/harness/cli/testdb"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }

# base_script SUITE: writes $scratch/SUITE.sh, the base compile and link of
# SUITE's touched file (no PCH, no TESTDB_SUITE_COMPILE_OPTIONS or
# TESTDB_SUITE_DEBUG_INFO, default linker, static archives).
base_script() {
  python3 - "$build" "$src/${touched[$1]}" "$1" "$scratch" <<'EOF'
import json, re, shlex, sys
build, source, suite, scratch = sys.argv[1:]
entry = next(e for e in json.load(open(build + "/compile_commands.json"))
             if e["file"] == source and "/%s.dir/" % suite in e["command"])
compile_cmd = re.sub(r" -Winvalid-pch -include \S+", "", entry["command"])
compile_cmd = re.sub(r" -O0(?= )", "", compile_cmd)
compile_cmd = re.sub(r" -g(split-dwarf|1|0)(?= )", "", compile_cmd)  # TESTDB_SUITE_DEBUG_INFO
obj = re.search(r" -o (\S+)", compile_cmd).group(1)
compile_cmd = compile_cmd.replace(" -o " + obj, " -o %s/%s.o" % (scratch, suite))
link = open("%s/CMakeFiles/%s.dir/link.txt" % (entry["directory"], suite)).read().strip()
link = link.replace(" -fuse-ld=lld", "").replace(obj, "%s/%s.o" % (scratch, suite))
# TESTDB_SUITE_SHARED_RUNTIME: without the shared library the static archives
# that follow it on the line resolve everything, as before.
link = re.sub(r" \S*libtestdb_suite_runtime_\w+\.so", "", link)
link = re.sub(r" -o %s " % re.escape(suite), " -o %s/%s " % (scratch, suite), link)
with open("%s/%s.sh" % (scratch, suite), "w") as out:
    out.write("set -e\ncd %s\n%s\n%s\n" % (shlex.quote(entry["directory"]), compile_cmd, link))
EOF
}
for suite in "${suites[@]}"; do base_script "$suite"; done

declare -A samples
record() {  # figure|side seconds; progress on stderr
  samples["$1"]+="$2 "
  echo "build_bench: run $i: $1 $2 s" >&2
}
booking_dir="$build/examples/booking/tests"

for ((i = 1; i <= runs; i++)); do
  for suite in "${suites[@]}"; do
    touch "$src/${touched[$suite]}"
    t0=$(now); cmake --build "$build" --target "$suite" -j2 >/dev/null; b=$(since "$t0")
    record "rebuild:$suite|build" "$b"
    t0=$(now); bash "$scratch/$suite.sh" >/dev/null; a=$(since "$t0")
    record "rebuild:$suite|base" "$a"
    if [ "$suite" = booking_it ]; then
      t0=$(now); "$booking_dir/booking_it" >/dev/null 2>&1; r=$(since "$t0")
      record "run:booking_it|build" "$r"
      record "loop:booking_it|build" "$(echo "$b + $r" | bc -l)"
      t0=$(now); "$scratch/booking_it" >/dev/null 2>&1; r=$(since "$t0")
      record "run:booking_it|base" "$r"
      record "loop:booking_it|base" "$(echo "$a + $r" | bc -l)"
    fi
  done
done

load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "build_bench: median of $runs runs, compiler cache off, load average $load, $(nproc) cores"
printf '%-30s %9s %9s %10s\n' figure "base s" "now s" "base/now"
out="{\"runs\": $runs, \"load_average\": \"$load\", \"figures\": {"
sep=""
for figure in rebuild:booking_it rebuild:booking_it_catch2v3 rebuild:booking_gtest_it run:booking_it loop:booking_it; do
  [ -n "${samples["$figure|build"]:-}" ] || continue
  now_s=$(echo "${samples["$figure|build"]}" | tr ' ' '\n' | grep . | median)
  base_s=$(echo "${samples["$figure|base"]}" | tr ' ' '\n' | grep . | median)
  ratio=$(echo "$base_s / $now_s" | bc -l)
  printf '%-30s %9.2f %9.2f %9.2fx\n' "$figure" "$base_s" "$now_s" "$ratio"
  out+="$sep\"$figure\": {\"seconds\": $now_s, \"base_seconds\": $base_s, \"ratio\": $ratio}"
  sep=", "
done
out+="}}"
[ -z "$json" ] || bench_write_json "$json" "$out"
