#!/usr/bin/env bash
# `testdb run` on a server whose slots other clients hold: the suite's
# connections are refused (ServerRefused), and the summary names who holds
# the slots by application_name, so the advice is not only "set
# TESTDB_MAX_PROCESSES" when the others are no test processes.
#   run_refused_test.sh TOOL SUITE
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")
SUITE=$(realpath "$2")
unset DATABASE_URL_TEST TESTDB_RUN_TOKEN TESTDB_REPORT TESTDB_MAX_PROCESSES
in_server_dir refused

run_tool up-small "$TOOL" up --dir "$base" --setting max_connections=5 \
    --setting superuser_reserved_connections=0
expect_rc 0 "up with max_connections=5"
eval "$OUT"

# Three sessions of another application hold three of the five slots; the
# sampler of `testdb run` takes a fourth, leaving one for the suite.
holders=()
for _ in 1 2 3; do
    PGAPPNAME=billing-worker psql -qAt "$DATABASE_URL_TEST" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
    holders+=($!)
done
for _ in $(seq 1 50); do
    n=$(psql -qAt "$DATABASE_URL_TEST" -c \
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'billing-worker'")
    [ "$n" = 3 ] && break
    sleep 0.1
done
[ "$n" = 3 ] || fail "the three holding sessions did not connect ($n)"

run_tool run-refused env DATABASE_URL_TEST="$DATABASE_URL_TEST" "$TOOL" run -- "$SUITE"
[ "$RC" -ne 0 ] || fail "the suite passed although the server refused its connections"
expect_contains "$ALL" "ServerRefused" "the suite's connections are refused"
expect_contains "$OUT" "billing-worker x3" "run names who holds the server's slots"
expect_contains "$ALL" "connection_limit" "the advice offers a smaller connection_limit"

kill "${holders[@]}" 2>/dev/null
wait "${holders[@]}" 2>/dev/null
run_tool down-small "$TOOL" down --dir "$base"
expect_rc 0 "down"
finish
