#!/usr/bin/env bash
# Every subcommand has --help; bad usage is exit 2 with a clear message.
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")

run_tool help "$TOOL" --help
expect_rc 0 "testdb --help"
TOP_HELP=$OUT
for command in up down run doctor lint cache; do
    expect_contains "$TOP_HELP" "  $command " "testdb --help lists $command"
    run_tool "$command --help" "$TOOL" "$command" --help
    expect_rc 0 "testdb $command --help"
    expect_contains "$OUT" "Usage:" "testdb $command --help"
done
# The settings file the help names exists, and URL examples write a
# password as PASSWORD, not a word secret scanners flag.
example=$(sed -n 's/.*See \(.*\.env\.test\.example\)\..*/\1/p' <<<"$TOP_HELP")
[ -f "$example" ] || fail "testdb --help names '$example' as .env.test.example, which does not exist"
root="$(cd "$(dirname "$0")/../.." && pwd)"
for text in "$TOP_HELP" "$(cat "$root/README.md")" "$(cat "$root/.env.test.example")"; do
    urls=$(grep -oE 'postgres(ql)?://[A-Za-z0-9_.-]+:[^@/ ]+@' <<<"$text" | grep -v ':PASSWORD@')
    [ -z "$urls" ] || fail "a URL example with a password other than PASSWORD: $urls"
done
grep -q 'app:PASSWORD@' "$root/.env.test.example" || fail ".env.test.example has no PASSWORD example"

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
