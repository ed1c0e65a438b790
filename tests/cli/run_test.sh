#!/usr/bin/env bash
# `testdb run` over the tiny suite on its own embedded server: the report and
# the peak, --limit, a failing suite, connections outside the pool (exit 3),
# and SIGINT/SIGTERM forwarded to the suite (exit 130/143, server removed).
source "$(dirname "$0")/lib.sh"
in_scratch_dir "$1" "$2"

peak_of() { sed -n 's/.*connections: *peak \([0-9]*\) server-side.*/\1/p' <<<"$1"; }
server_dir_of() { sed -n 's/.*started embedded PostgreSQL at \(.*\) in [0-9]* ms.*/\1/p' <<<"$1"; }

run_tool default "$TOOL" run --report "$work/run.json" --html "$work/run.html" -- "$SUITE"
expect_rc 0 "run over the tiny suite"
expect_contains "$OUT" "tests:        2 passed, 0 failed (2 test cases)" "the test counts"
expect_contains "$OUT" "leftover rows: 0" "the leftover rows"
expect_contains "$OUT" "timeouts" "the pool figures"
expect_contains "$OUT" "slowest:" "the slowest tests"
expect_contains "$OUT" "verdict:      OK" "the verdict"
peak=$(peak_of "$OUT")
{ [ -n "$peak" ] && [ "$peak" -ge 1 ] && [ "$peak" -le 3 ]; } || fail "peak '$peak' not in 1..3"
waits=$(sed -n 's/.*pool: .* acquires, \([0-9]*\) waits.*/\1/p' <<<"$OUT")
{ [ -n "$waits" ] && [ "$waits" -ge 1 ]; } || fail "six threads on three connections: waits '$waits'"
dir=$(server_dir_of "$ERR")
[ -n "$dir" ] && [ ! -e "$dir" ] || fail "the embedded server directory '$dir' was not removed"
if [ -f "$work/run.json" ]; then
    report=$(cat "$work/run.json")
    expect_contains "$report" "\"peak_server_connections\": $peak" "the JSON peak"
    expect_contains "$report" "\"ok\": true" "the JSON verdict"
    expect_contains "$report" "\"exit_code\": 0" "the JSON exit code"
    expect_contains "$report" "\"connection_limit\": 3" "the JSON limit"
    expect_contains "$report" "\"total\": 2" "the suite report inside"
    if command -v jq >/dev/null; then
        [ "$(jq '.report.pool.peak_in_use <= 3 and .report.tests.failed == 0' "$work/run.json")" = true ] ||
            fail "the suite report in the JSON"
    fi
else
    fail "--report wrote no $work/run.json"
fi
# The HTML page (rendered and checked in Chromium by report:html_chromium):
# the suite's lease timeline and the sampled server connections are inside.
if [ -f "$work/run.html" ]; then
    page=$(cat "$work/run.html")
    expect_contains "$page" "default-src 'none'" "the HTML report's CSP"
    expect_contains "$page" '"timeline":{"cap":' "the lease timeline in the HTML report"
    expect_contains "$page" '"activity":{"limit":3,"samples":[[' "the server samples in the HTML report"
else
    fail "--html wrote no $work/run.html"
fi

run_tool limit "$TOOL" run --limit 1 -- "$SUITE"
expect_rc 0 "run --limit 1"
expect_contains "$OUT" "(connection_limit 1)" "the limit reaches the suite"
peak=$(peak_of "$OUT")
{ [ -n "$peak" ] && [ "$peak" -le 1 ]; } || fail "--limit 1: peak '$peak'"

run_tool failing "$TOOL" run -- "$SUITE" "[.fail]"
expect_rc 1 "run over a failing test (Catch2's exit code)"
expect_contains "$OUT" "0 passed, 1 failed" "the failed test is counted"

run_tool overflow "$TOOL" run -- "$SUITE" "[.overflow]"
expect_rc 3 "run over a suite with connections outside the pool"
expect_contains "$OUT" "exceeds connection_limit 3" "the verdict names the limit"

for sig in INT TERM; do
    marker="$work/marker-$sig"
    TESTDB_CLI_MARKER=$marker "$TOOL" run -- "$SUITE" "[.sleep]" >"$work/out" 2>"$work/err" &
    pid=$!
    for _ in $(seq 600); do
        [ -e "$marker" ] && break
        sleep 0.1
    done
    [ -e "$marker" ] || fail "SIG$sig: the suite never started sleeping"
    kill -"$sig" "$pid"
    wait "$pid"
    RC=$?
    echo "--- SIG$sig: exit $RC"
    sed 's/^/    /' "$work/out" "$work/err"
    want=$([ "$sig" = INT ] && echo 130 || echo 143)
    expect_rc "$want" "run interrupted by SIG$sig"
    dir=$(server_dir_of "$(cat "$work/err")")
    [ -n "$dir" ] && [ ! -e "$dir" ] || fail "SIG$sig: the server directory '$dir' is still there"
    expect_contains "$(cat "$work/out")" "interrupted by" "SIG$sig: the verdict"
done
finish
