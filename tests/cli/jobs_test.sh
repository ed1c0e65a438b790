#!/usr/bin/env bash
# `testdb run --jobs 2`: two shards of a three-file suite run at once against
# one server and merge into one summary, one report and one exit code; a
# failing test fails the run and is named with its shard; the server's
# connections stay within two pools plus two slots, and within one pool plus
# one slot when the process budget allows one process at a time (the shards
# wait rather than exceed it); the next run balances by the report's times.
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

run_tool "jobs with shard" "$TOOL" run --jobs 2 --shard 1/2 -- "$SUITE"
expect_rc 2 "--jobs with --shard"
expect_contains "$ERR" "cannot take --shard" "--jobs with --shard is refused"

run_tool "jobs with html" "$TOOL" run --jobs 2 --html "$work/jobs.html" -- "$SUITE"
expect_rc 2 "--jobs with --html"
expect_contains "$ERR" "draws the pool of one process" "--jobs with --html is refused"
[ ! -e "$work/jobs.html" ] || fail "--jobs with --html wrote a page"
finish
