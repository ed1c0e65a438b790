#!/usr/bin/env bash
# bench:report: bench_report judges figures from its one list
# (bench/figures.json): a row of a C++ bench's part (the recorded full
# run: tenant / bare ROLLBACK 2.49x misses <= 1.3), a JSON pointer into a
# shell bench's part named by its file (testdata/build.json: the edit-run
# loop, 1.5 s, meets <= 2 s), and a part that was not run (jobs).
#
#   bench/report_test.sh BENCH_REPORT
set -euo pipefail
report=$1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=$(mktemp -d /tmp/testdb-report-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$report" --out "$out/merged.json" --markdown "$out/table.md" \
  "$here/results-full-run.json" "$here/testdata/build.json" >"$out/table.txt"
cat "$out/table.txt"
fail() { echo "bench:report: $*" >&2; exit 1; }
expect() {  # expect FILE REGEX WHAT
  grep -Eq -- "$2" "$1" || fail "$3 (no line matching '$2' in $(basename "$1"))"
}
expect "$out/table.txt" 'edit-run loop.* 1\.50 s +<= 2 s +yes' "the edit-run loop from build.json is not judged met"
expect "$out/table.txt" 'tenant tier per test / bare ROLLBACK.* 2\.49x +<= 1\.3x +no' \
  "the tenant ratio from the isolation rows is not judged missed"
expect "$out/table.txt" '1,000-test suite, one process.* not run +>= 1\.6x +not run' "a part not run is not shown as such"
expect "$out/table.md" '^\| edit-run loop.*\| 1\.50 s \| before: 7\.40 s \| <= 2 s \| yes \|$' "markdown row of the loop"
expect "$out/table.md" 'load average at the end of each part:.* build 1\.25' "markdown conditions line"
python3 - "$out/merged.json" <<'PY'
import json, sys
goals = json.load(open(sys.argv[1]))["goals"]
assert "tenant tier per test / bare ROLLBACK, same run" in goals["missed"], goals
assert any("1,000-test" in g for g in goals["not_run"]), goals
PY
echo "bench:report: ok"
