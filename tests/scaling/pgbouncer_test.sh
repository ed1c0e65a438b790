#!/usr/bin/env bash
# testdb through PgBouncer in transaction mode (Debian's pgbouncer) in front
# of a throwaway server: the harness self-tests in two tiers, the booking
# suite through `testdb run`, the process budget's own tests, a budget of 1
# shared by two suites, and `testdb doctor` recognising the pooler.
#   pgbouncer_test.sh TOOL BOOKING_SUITE HARNESS_SUITE INTEGRATION_TESTS
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../cli/lib.sh"
TESTDB_TOOL=$1 BOOKING=$2 HARNESS=$3 INTEGRATION=$4
source "$here/../../scripts/scaling_lib.sh"
trap scaling_cleanup EXIT
unset DATABASE_URL_TEST TESTDB_ISOLATION TESTDB_MAX_PROCESSES

scaling_start_server max_connections=40 || { echo "FAIL: cannot start the server" >&2; exit 1; }
create_databases harness_test harness_rollback_test booking_test budget_test shared_test
scaling_start_bouncer 10 || { echo "FAIL: cannot start PgBouncer" >&2; exit 1; }
mode="$(psql -qAt "$(bouncer_url pgbouncer)" -c "SHOW CONFIG" | grep '^pool_mode|' | cut -d'|' -f2)"
[ "$mode" = transaction ] || fail "PgBouncer runs in '$mode' mode, not transaction"

run_tool "harness self-tests through PgBouncer" \
  env DATABASE_URL_TEST="$(bouncer_url harness_test)" "$HARNESS"
expect_rc 0 "harness self-tests (tenant tier)"
expect_contains "$ALL" "0 leftover rows, 0 leaks" "harness self-tests (tenant tier)"

run_tool "harness self-tests, rollback tier, through PgBouncer" \
  env DATABASE_URL_TEST="$(bouncer_url harness_rollback_test)" TESTDB_ISOLATION=rollback "$HARNESS"
expect_rc 0 "harness self-tests (rollback tier)"

run_tool "booking suite through PgBouncer via testdb run" \
  env DATABASE_URL_TEST="$(bouncer_url booking_test)" "$TESTDB_TOOL" run -- "$BOOKING"
expect_rc 0 "booking suite"
expect_contains "$ALL" "104/104 tests passed" "booking suite"

run_tool "process budget tests through PgBouncer" \
  env DATABASE_URL_TEST="$(bouncer_url budget_test)" "$INTEGRATION" "[budget]"
expect_rc 0 "process budget tests"

# Two suites, one slot: both pass, one after the other; the slot the first
# held is free at the end.
log1=$(mktemp) log2=$(mktemp)
pids=()
for log in "$log1" "$log2"; do
  env DATABASE_URL_TEST="$(bouncer_url shared_test)" TESTDB_MAX_PROCESSES=1 TESTDB_LOG_LEVEL=info \
    "$HARNESS" >"$log" 2>&1 &
  pids+=($!)
done
wait "${pids[0]}"; rc1=$?
wait "${pids[1]}"; rc2=$?
echo "--- two suites on a budget of 1: exit $rc1 and $rc2"
grep -h "process slot\|tests passed" "$log1" "$log2" | sed 's/^/    /'
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] || fail "two suites sharing one slot: exit $rc1 and $rc2"
[ "$(cat "$log1" "$log2" | grep -c 'holding process slot 0 of 1')" -eq 2 ] ||
  fail "each suite should report holding slot 0 of 1"
cat "$log1" "$log2" | grep -q "process slots on .* are taken; waiting" ||
  fail "one of the two suites should have waited for the slot"
rm -f "$log1" "$log2"
left="$(psql -qAt "$(server_url shared_test)" -c \
  "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $((0x7e57db))")"
[ "$left" = 0 ] || fail "$left slot lock(s) still held after both suites ended"

# A full PgBouncer (max_client_conn=2) refuses the pool's third connection:
# ServerRefused, not ServerUnavailable, and the peak counts the two opened.
psql -qAt "$(bouncer_url pgbouncer)" -c "SET max_client_conn = 2" >/dev/null ||
  fail "cannot lower PgBouncer's max_client_conn"
run_tool "PgBouncer refusing the third client" \
  env DATABASE_URL_TEST="$(bouncer_url budget_test)" "$INTEGRATION" "[.refusal-bouncer]"
expect_rc 0 "PgBouncer refusing the third client"
psql -qAt "$(bouncer_url pgbouncer)" -c "SET max_client_conn = 500" >/dev/null

run_tool "doctor through PgBouncer" \
  "$TESTDB_TOOL" doctor --url "$(bouncer_url booking_test)" --processes 2
expect_contains "$ALL" "PgBouncer" "doctor through PgBouncer"
expect_contains "$ALL" "pool_mode transaction" "doctor through PgBouncer"
# pool_size 10 bounds the budget: 10 / (connection_limit 3 + 1 slot) = 2.
expect_contains "$ALL" "budget:         TESTDB_MAX_PROCESSES=2" "doctor through PgBouncer"

finish
