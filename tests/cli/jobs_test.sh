#!/usr/bin/env bash
# `testdb run --jobs 2`: two shards of a three-file suite run at once against
# one server and merge into one summary, one report and one exit code; a
# failing test fails the run and is named with its shard; the server's
# connections stay within two pools plus two slots, and within one pool plus
# one slot when the process budget allows one process at a time (the shards
# wait rather than exceed it); the next run balances by the report's times.
# The same split and merge for Catch2 v3 and GoogleTest suites (the jobs
# suite built with those adapters, and the booking example's suites, when
# ctest passes them in JOBS_V3, JOBS_GTEST, BOOKING_V3, BOOKING_GTEST): every
# file's tests run once, as in one process, and a failing test is named with
# its shard.
source "$(dirname "$0")/lib.sh"
in_scratch_dir "$1" "$2"
in_server_dir jobs
eval "$("$TOOL" up --dir "$base" 2>/dev/null)"  # one server for every run below

total=$("$SUITE" --list-test-names-only | grep -c .)
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

run_tool "jobs 2, clean" "$TOOL" run --jobs 2 --report "$work/r.json" -- "$SUITE"
expect_rc 0 "--jobs 2, every test passing"
expect_contains "$OUT" "shard 1/2:" "the summary names shard 1"
expect_contains "$OUT" "shard 2/2:" "the summary names shard 2"
expect_contains "$OUT" "$total passed, 0 failed ($total test cases)" "both shards' tests are counted once"
[ "$(json_field "$work/r.json" 'd["report"]["tests"]["total"]')" = "$total" ] || fail "the merged report lacks test cases"
[ "$(json_field "$work/r.json" 'len(d["shards"])')" = 2 ] || fail "the merged report lacks a shard"
peak=$(json_field "$work/r.json" 'd["peak_server_connections"]')
limit=$(json_field "$work/r.json" 'd["connection_limit"]')
echo "--- peak $peak server connections for 2 shards of connection_limit $limit"
[ "$peak" -ge 1 ] && [ "$peak" -le $((2 * limit + 2)) ] || fail "peak $peak is not within 2 x $limit + 2 slots"

run_tool "jobs 2, balanced by the last report" "$TOOL" run --jobs 2 --report "$work/r.json" -- "$SUITE"
expect_rc 0 "--jobs 2 again"
expect_contains "$ERR" "balanced by time" "the second run balances by the first run's report"

TESTDB_MAX_PROCESSES=1 run_tool "jobs 2, budget of one process" \
    "$TOOL" run --jobs 2 --report "$work/one.json" -- "$SUITE"
expect_rc 0 "--jobs 2 with TESTDB_MAX_PROCESSES=1"
peak=$(json_field "$work/one.json" 'd["peak_server_connections"]')
echo "--- peak $peak with a budget of one process"
[ "$peak" -le $((limit + 1)) ] || fail "budget of one process: peak $peak exceeds one pool $limit + 1 slot"

TESTDB_JOBS_FAIL=1 run_tool "jobs 2, one failing test" "$TOOL" run --jobs 2 -- "$SUITE"
expect_rc 1 "--jobs 2 with a failing test: the shard's exit code"
shard=$(sed -n 's/^testdb run: shard \([0-9]\/2\) failed.*/\1/p' <<<"$OUT")
[ -n "$shard" ] || fail "no shard is named as failed"
expect_contains "$OUT" "beta_test (1 of 3 failed)" "the failing file is named"
expect_contains "$OUT" "[shard $shard] beta: fails when asked to" "the failing test is named with its shard"
expect_contains "$OUT" "verdict:      failed (exit 1)" "one verdict"

# Every file with the tests it ran (file basename, count), sorted: a test run
# twice or skipped changes it.
files_ran() { json_field "$1" 'sorted((f["file"].rsplit("/",1)[-1], f["tests"]) for f in d["report"]["files"] if f["tests"] > 0)'; }

# same_as_one_process NAME SUITE: --jobs 2 runs each file's tests as one process does.
same_as_one_process() {
    run_tool "$1, one process" "$TOOL" run --report "$work/one-$1.json" -- "$2"
    expect_rc 0 "$1 in one process"
    run_tool "$1, jobs 2" "$TOOL" run --jobs 2 --report "$work/jobs-$1.json" -- "$2"
    expect_rc 0 "$1 with --jobs 2"
    expect_contains "$OUT" "shard 2/2:" "$1: the summary names shard 2"
    local one jobs
    one=$(json_field "$work/one-$1.json" 'd["report"]["tests"]["total"]')
    jobs=$(json_field "$work/jobs-$1.json" 'd["report"]["tests"]["total"]')
    echo "--- $1: $one test cases in one process, $jobs in two shards"
    [ "$one" -gt 0 ] && [ "$one" = "$jobs" ] || fail "$1: --jobs 2 ran $jobs test cases, one process $one"
    [ "$(files_ran "$work/one-$1.json")" = "$(files_ran "$work/jobs-$1.json")" ] ||
        fail "$1: --jobs 2 ran other tests per file than one process"
    [ "$(json_field "$work/jobs-$1.json" 'min(s["tests"] for s in d["shards"])')" -gt 0 ] ||
        fail "$1: a shard ran no test"
}

# fails_in_its_shard NAME SUITE TEST: the failing test of beta_test is named with its shard.
fails_in_its_shard() {
    TESTDB_JOBS_FAIL=1 run_tool "$1, one failing test" "$TOOL" run --jobs 2 -- "$2"
    # The failing shard's exit code (Catch2 v3 exits 42 on failures, v2 and GoogleTest 1).
    [ "$RC" -ne 0 ] && [ "$RC" -ne 2 ] || fail "$1: --jobs 2 with a failing test: exit code $RC"
    expect_contains "$OUT" "verdict:      failed (exit $RC)" "$1: one verdict"
    local shard
    shard=$(sed -n 's/^testdb run: shard \([0-9]\/2\) failed.*/\1/p' <<<"$OUT")
    [ -n "$shard" ] || fail "$1: no shard is named as failed"
    expect_contains "$OUT" "beta_test (1 of 3 failed)" "$1: the failing file is named"
    expect_contains "$OUT" "[shard $shard] $3" "$1: the failing test is named with its shard"
}

# failure_text_reported NAME SUITE: a Catch2 adapter's report keeps a failed
# CHECK as "file:line: CHECK( ... ) with expansion: ..." (one helper, both versions).
failure_text_reported() {
    TESTDB_JOBS_FAIL=1 run_tool "$1, failure text" "$TOOL" run --report "$work/fail-$1.json" -- "$2"
    grep -q 'beta_test.cpp:22: CHECK( std::string(fail ? fail : \\"0\\") == \\"0\\" ) with expansion: \\"1\\" == \\"0\\"' \
        "$work/fail-$1.json" || fail "$1: the report lacks the failed CHECK's text"
}
failure_text_reported jobs-catch2 "$SUITE"

if [ -n "${JOBS_V3:-}" ]; then
    failure_text_reported jobs-catch2v3 "$JOBS_V3"
    same_as_one_process jobs-catch2v3 "$JOBS_V3"
    fails_in_its_shard jobs-catch2v3 "$JOBS_V3" "beta: fails when asked to"
fi
if [ -n "${JOBS_GTEST:-}" ]; then
    same_as_one_process jobs-gtest "$JOBS_GTEST"
    fails_in_its_shard jobs-gtest "$JOBS_GTEST" "[  FAILED  ] Beta.FailsWhenAskedTo"
fi
[ -z "${BOOKING_V3:-}" ] || same_as_one_process booking-catch2v3 "$BOOKING_V3"
[ -z "${BOOKING_GTEST:-}" ] || same_as_one_process booking-gtest "$BOOKING_GTEST"

# A suite of no framework testdb can split: refused, naming it and the fix.
printf '#!/bin/sh\necho "usage: $0"\n' >"$work/plain_suite"
chmod +x "$work/plain_suite"
run_tool "jobs 2, no known framework" "$TOOL" run --jobs 2 -- "$work/plain_suite"
expect_rc 2 "--jobs 2 on a suite of no known framework"
expect_contains "$ERR" "ConfigError" "the refusal is a ConfigError"
expect_contains "$ERR" "plain_suite' is neither a Catch2 v2, a Catch2 v3 nor a GoogleTest suite" \
    "the refusal names the suite"
expect_contains "$ERR" "Fix:" "the refusal says the fix"

run_tool "jobs with shard" "$TOOL" run --jobs 2 --shard 1/2 -- "$SUITE"
expect_rc 2 "--jobs with --shard"
expect_contains "$ERR" "cannot take --shard" "--jobs with --shard is refused"

run_tool "jobs with html" "$TOOL" run --jobs 2 --html "$work/jobs.html" -- "$SUITE"
expect_rc 2 "--jobs with --html"
expect_contains "$ERR" "draws the pool of one process" "--jobs with --html is refused"
[ ! -e "$work/jobs.html" ] || fail "--jobs with --html wrote a page"
finish
