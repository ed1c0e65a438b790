#!/usr/bin/env bash
# Every subcommand has --help; bad usage is exit 2 with a clear message.
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")

run_tool help "$TOOL" --help
expect_rc 0 "testdb --help"
TOP_HELP=$OUT
for command in up down run doctor lint; do
    expect_contains "$TOP_HELP" "  $command " "testdb --help lists $command"
    run_tool "$command --help" "$TOOL" "$command" --help
    expect_rc 0 "testdb $command --help"
    expect_contains "$OUT" "Usage:" "testdb $command --help"
done
run_tool version "$TOOL" --version
expect_rc 0 "testdb --version"
expect_contains "$OUT" "testdb " "testdb --version"

run_tool none "$TOOL"
expect_rc 2 "testdb without a command"
run_tool unknown "$TOOL" frobnicate
expect_rc 2 "an unknown command"
expect_contains "$ERR" "unknown command 'frobnicate'" "an unknown command is named"
run_tool bad-option "$TOOL" doctor --processes 0
expect_rc 2 "doctor --processes 0"
run_tool no-suite "$TOOL" run
expect_rc 2 "run without a suite"
expect_contains "$ERR" "no suite given" "run without a suite"
run_tool missing-suite "$TOOL" run -- ./no/such/suite
expect_rc 127 "run with a missing suite"
expect_contains "$ERR" "./no/such/suite" "run names the missing suite"
finish
