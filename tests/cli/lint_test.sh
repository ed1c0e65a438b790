#!/usr/bin/env bash
# `testdb lint` over fixtures with deliberate findings (exact lines) and over
# clean ones. Runs in tests/cli (the expected lines name fixtures/...).
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")
cd "$(dirname "$0")" || exit 1

run_tool findings "$TOOL" lint fixtures
expect_rc 1 "lint over the fixtures"
if [ "$OUT" != "$(cat fixtures/expected_findings.txt)" ]; then
    fail "lint over the fixtures: the findings differ from fixtures/expected_findings.txt"
    diff <(echo "$OUT") fixtures/expected_findings.txt
fi
expect_contains "$ERR" "12 findings in 3 of 5 test sources" "the summary line"

run_tool clean "$TOOL" lint fixtures/clean_test.cpp fixtures/allowed_test.cpp
expect_rc 0 "lint over clean and allowed fixtures"
[ -z "$OUT" ] || fail "clean fixtures printed findings"

run_tool explicit "$TOOL" lint fixtures/helper.cpp
expect_rc 1 "a non-test file named explicitly is linted"
expect_contains "$OUT" "fixtures/helper.cpp:6: raw-connection: pqxx::connection" "helper.cpp"

run_tool walk "$TOOL" lint .
expect_rc 0 "a walk skips directories with .testdb-lint-ignore"
expect_lacks "$OUT" "fixtures/" "the walk over tests/cli"

run_tool missing "$TOOL" lint no/such/dir
expect_rc 2 "lint over a missing path"
expect_contains "$ERR" "'no/such/dir' is neither a file nor a directory" "the missing path is named"

empty=$(mktemp -d)
pushd "$empty" >/dev/null || exit 1
run_tool nothing "$TOOL" lint
expect_rc 2 "lint where neither tests/ nor examples/ exist"
expect_contains "$ERR" "neither tests/ nor examples/" "the message"
popd >/dev/null || exit 1
rmdir "$empty"
finish
