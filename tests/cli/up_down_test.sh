#!/usr/bin/env bash
# `testdb up` twice (one server, the same export), the URL works, `doctor`
# and `run` against it, then `testdb down` twice (the second: nothing is up).
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")
SUITE=$(realpath "$2")

in_server_dir up
cd "$base" || exit 1

run_tool down-before "$TOOL" down --dir "$base"
expect_rc 0 "down with nothing up"
expect_contains "$OUT" "nothing is up" "down with nothing up"

run_tool up-1 "$TOOL" up --dir "$base"
expect_rc 0 "first up"
first=$OUT
[[ "$first" =~ ^export\ DATABASE_URL_TEST=\'postgresql://[^\']+\'$ ]] ||
    fail "first up: stdout is not one export line: $first"

run_tool up-2 "$TOOL" up --dir "$base"
expect_rc 0 "second up"
[ "$OUT" = "$first" ] || fail "second up printed another URL: $OUT"
expect_contains "$ERR" "already up" "second up"

eval "$first"
server_dir=$(sed -n 's/.*"directory": "\(.*\)".*/\1/p' "$base/testdb-up.json")
[ -d "$server_dir" ] || fail "the server directory '$server_dir' does not exist"

if command -v psql >/dev/null; then
    run_tool psql psql "$DATABASE_URL_TEST" -Atc "SELECT current_database()"
    expect_rc 0 "psql with the exported URL"
    [ "$OUT" = "testdb_test" ] || fail "psql: current_database() is '$OUT'"
fi

run_tool doctor-url "$TOOL" doctor --url "$DATABASE_URL_TEST"
expect_rc 0 "doctor --url against the server of up"
expect_contains "$OUT" "max_connections:" "doctor prints max_connections"
expect_contains "$OUT" "superuser_reserved_connections:" "doctor prints the reserved slots"
expect_contains "$OUT" "verdict: OK" "doctor's verdict"

export DATABASE_URL_TEST
run_tool doctor-env "$TOOL" doctor
expect_rc 0 "doctor with DATABASE_URL_TEST exported"
expect_contains "$OUT" "DATABASE_URL_TEST (environment)" "doctor names the source"

run_tool doctor-too-many "$TOOL" doctor --processes 10000
expect_rc 1 "doctor --processes 10000"
expect_contains "$OUT" "DOES NOT FIT" "doctor --processes 10000"

run_tool run-configured "$TOOL" run -- "$SUITE"
expect_rc 0 "run against the configured server"
expect_contains "$OUT" "(run " "run prints the run"
expect_lacks "$OUT" "embedded server" "run uses DATABASE_URL_TEST, not its own server"
peak=$(sed -n 's/.*connections: *peak \([0-9]*\) server-side.*/\1/p' <<<"$OUT")
{ [ -n "$peak" ] && [ "$peak" -ge 1 ] && [ "$peak" -le 3 ]; } || fail "run: peak '$peak' not in 1..3"
unset DATABASE_URL_TEST

run_tool down-1 "$TOOL" down --dir "$base"
expect_rc 0 "first down"
expect_contains "$OUT" "stopped PostgreSQL" "first down"
[ ! -e "$server_dir" ] || fail "first down left $server_dir"
[ ! -e "$base/testdb-up.json" ] || fail "first down left the state file"

run_tool down-2 "$TOOL" down --dir "$base"
expect_rc 0 "second down"
expect_contains "$OUT" "nothing is up" "second down"
# A server that died (kill -9) is noticed: up starts a new one, down cleans up.
run_tool up-3 "$TOOL" up --dir "$base"
expect_rc 0 "up after down"
dead_pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$base/testdb-up.json")
dead_dir=$(sed -n 's/.*"directory": "\(.*\)".*/\1/p' "$base/testdb-up.json")
kill -9 "$dead_pid"
sleep 0.5
run_tool up-4 "$TOOL" up --dir "$base"
expect_rc 0 "up after the server was killed"
expect_contains "$ERR" "is gone; starting a new one" "up notices the dead server"
[ ! -e "$dead_dir" ] || fail "up left the dead server's directory $dead_dir"
new_pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$base/testdb-up.json")
kill -9 "$new_pid"
sleep 0.5
run_tool down-3 "$TOOL" down --dir "$base"
expect_rc 0 "down after the server was killed"
expect_contains "$OUT" "no longer running" "down notices the dead server"

# A --dir that does not exist yet is created, parents too (mkdir -p).
nested="$base/not/yet"
run_tool up-nested "$TOOL" up --dir "$nested"
expect_rc 0 "up --dir with a directory that does not exist"
[ -f "$nested/testdb-up.json" ] || fail "up --dir $nested wrote no state file there"
run_tool down-nested "$TOOL" down --dir "$nested"
expect_rc 0 "down --dir of the created directory"
rm -rf "$base/not"

leftovers=$(ls -A "$base")
[ -z "$leftovers" ] || fail "down left files in $base: $leftovers"
finish
