#!/usr/bin/env bash
# The shared-server simulation (docs/SCALING.md): a throwaway server with a
# small max_connections, then P processes of a suite started at once, twice:
# with testdb's cross-process budget (TESTDB_MAX_PROCESSES) and without it.
# pg_stat_activity is sampled every 50 ms; the report gives the peak of
# client connections, connection errors and tests passed for both runs.
#
#   scripts/simulate.sh [--processes 8] [--max-connections 30]
#                       [--connection-limit 5] [--budget K] [--check] [--keep]
#                       [--tool build/harness/cli/testdb]
#                       [--suite build/examples/booking/tests/booking_it]
#
# The goal of the budgeted run: no connection error, every test passes, and
# the peak stays within max_connections - 6 (24 of 30). --budget defaults to
# the largest K for which K processes x (connection_limit + 1 slot
# connection), plus one short attempt of each waiting process, fit that
# goal. --check exits 1 when the budgeted run misses the goal (the run
# without a budget is only reported: it is meant to fail). --keep keeps the
# processes' logs.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROCESSES=8 MAX_CONNECTIONS=30 LIMIT=5 BUDGET="" CHECK=0 KEEP=0
TESTDB_TOOL="${TESTDB_TOOL:-$ROOT/build/harness/cli/testdb}"
SUITE="$ROOT/build/examples/booking/tests/booking_it"
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --processes) PROCESSES=$2; shift 2 ;;
    --max-connections) MAX_CONNECTIONS=$2; shift 2 ;;
    --connection-limit) LIMIT=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --tool) TESTDB_TOOL=$2; shift 2 ;;
    --suite) SUITE=$2; shift 2 ;;
    --check) CHECK=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage ;;
    *) echo "simulate.sh: unknown option '$1'" >&2; usage ;;
  esac
done
for n in "$PROCESSES" "$MAX_CONNECTIONS" "$LIMIT" ${BUDGET:+"$BUDGET"}; do
  case "$n" in '' | *[!0-9]*) echo "simulate.sh: '$n' is not a whole number" >&2; exit 2 ;; esac
done
for f in "$TESTDB_TOOL" "$SUITE"; do
  [ -x "$f" ] || { echo "simulate.sh: $f is not built (cmake --build build)" >&2; exit 2; }
done
source "$ROOT/scripts/scaling_lib.sh"
trap scaling_cleanup EXIT
unset DATABASE_URL_TEST TESTDB_MAX_PROCESSES TESTDB_ISOLATION

GOAL=$((MAX_CONNECTIONS - 6))
if [ -z "$BUDGET" ]; then
  BUDGET=0
  for k in $(seq 1 "$PROCESSES"); do
    [ $((k * (LIMIT + 1) + PROCESSES - k)) -le "$GOAL" ] && BUDGET=$k
  done
  [ "$BUDGET" -ge 1 ] || { echo "simulate.sh: no budget fits $GOAL connections" >&2; exit 2; }
fi
WORK="$(mktemp -d /tmp/testdb-simulation-XXXXXX)"

scaling_start_server "max_connections=$MAX_CONNECTIONS" || exit 1
echo "server: max_connections=$MAX_CONNECTIONS (3 reserved for superusers); goal: peak <= $GOAL"
echo "suite:  $SUITE x $PROCESSES processes at once, connection_limit=$LIMIT"
echo "doctor: $("$TESTDB_TOOL" doctor --url "$(server_url postgres)?connection_limit=$LIMIT" \
  --processes "$PROCESSES" | grep -E '^  budget:|^verdict' | sed 's/^ *//' | paste -sd' ')"

# How many connections the server has refused so far ("too many clients").
server_refusals() {
  cat "$SCALING_DIR"/testdb-*/server.log 2>/dev/null |
    grep -c -E 'too many clients|remaining connection slots' || true
}
REFUSED_BEFORE=$(server_refusals)

# scenario NAME BUDGET: runs the processes, prints one report line and
# sets PEAK, ERRORS, FAILED_PROCESSES, PASSED, TOTAL.
scenario() {
  local name=$1 budget=$2 db="sim_$1_test"
  create_databases "$db"
  scaling_start_sampler "$WORK/$name.samples"
  local started=$SECONDS pids=()
  for i in $(seq 1 "$PROCESSES"); do
    env DATABASE_URL_TEST="$(server_url "$db")?connection_limit=$LIMIT&pool_timeout=60" \
        TESTDB_MAX_PROCESSES="$budget" TESTDB_SLOT_TIMEOUT=900 \
        "$SUITE" >"$WORK/$name.$i.log" 2>&1 &
    pids+=($!)
  done
  FAILED_PROCESSES=0
  for pid in "${pids[@]}"; do wait "$pid" || FAILED_PROCESSES=$((FAILED_PROCESSES + 1)); done
  local seconds=$((SECONDS - started))
  sleep 0.2
  scaling_stop_sampler
  PEAK=$(peak_of "$WORK/$name.samples")
  # Connection errors as the server counts them: each refused start-up is a
  # FATAL line in its log (the suites may catch and tally them).
  local refused_now; refused_now=$(server_refusals)
  ERRORS=$((refused_now - REFUSED_BEFORE)); REFUSED_BEFORE=$refused_now
  PASSED=0 TOTAL=0
  for i in $(seq 1 "$PROCESSES"); do
    local line; line=$(grep -o -E '^testdb: [0-9]+/[0-9]+ tests passed' "$WORK/$name.$i.log" | head -n 1)
    if [ -n "$line" ]; then
      local counts=${line#testdb: }; counts=${counts% tests passed}
      PASSED=$((PASSED + ${counts%/*})); TOTAL=$((TOTAL + ${counts#*/}))
    fi
  done
  # The errors behind the failures, most frequent first.
  cat "$WORK/$name".*.log | grep -o -E '(Server[A-Za-z]+|Pool[A-Za-z]+|[A-Za-z]+Error): [^:.]*' |
    sort | uniq -c | sort -rn | head -n 3 >"$WORK/$name.errors" || true
  local samples; samples=$(wc -l <"$WORK/$name.samples")
  printf '%-10s budget %-3s peak %3s connections (%s samples), %3s connection errors, %s/%s tests passed, %s/%s processes failed, %s s\n' \
    "$name" "${budget/#0/none}" "$PEAK" "$samples" "$ERRORS" "$PASSED" "$TOTAL" \
    "$FAILED_PROCESSES" "$PROCESSES" "$seconds"
  sed 's/^ */           /' "$WORK/$name.errors"
}

echo
scenario budget "$BUDGET"
B_PEAK=$PEAK B_ERRORS=$ERRORS B_FAILED=$FAILED_PROCESSES B_PASSED=$PASSED B_TOTAL=$TOTAL
scenario unbudgeted 0
echo
status=0
if [ "$B_ERRORS" -eq 0 ] && [ "$B_FAILED" -eq 0 ] && [ "$B_PEAK" -le "$GOAL" ] &&
   [ "$B_TOTAL" -gt 0 ] && [ "$B_PASSED" -eq "$B_TOTAL" ]; then
  echo "goal met with TESTDB_MAX_PROCESSES=$BUDGET: peak $B_PEAK <= $GOAL, 0 connection errors, $B_PASSED/$B_TOTAL tests passed"
else
  echo "goal MISSED with TESTDB_MAX_PROCESSES=$BUDGET: peak $B_PEAK (goal <= $GOAL), $B_ERRORS connection errors, $B_PASSED/$B_TOTAL tests passed, $B_FAILED processes failed; logs in $WORK"
  status=1
fi
echo "without a budget: peak $PEAK, $ERRORS connection errors, $PASSED/$TOTAL tests passed, $FAILED_PROCESSES of $PROCESSES processes failed"
if [ "$status" -eq 0 ] && [ "$KEEP" -eq 0 ]; then rm -rf "$WORK"; else echo "logs: $WORK"; fi
[ "$CHECK" -eq 1 ] && exit "$status"
exit 0
