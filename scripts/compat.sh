#!/usr/bin/env bash
# Compatibility stage: testdb against the libpqxx releases users have besides
# Debian's 6.4 (the default build): 7.10.7 with GCC 12 and libstdc++, 8.0.1
# with clang 19 and libc++ (libpqxx 8 needs C++20's <format>, which GCC 12's
# library lacks). Each libpqxx is built once from its upstream archive into
# the cache (scripts/deps_lib.sh); each testdb build has its own tree
# (build-compat-<version>/, only the targets the tests below need) and runs
# the unit tests, integration:core, the harness and README suites, the booking
# suite in every tier and the find_package consumer. Ends with one table.
#
#   bash scripts/compat.sh      (scripts/test.sh runs it after its other stages)
#
#   TESTDB_DEPS_DIR      the upstream archives (default <repo>/../shared/deps)
#   TESTDB_DEPS_CACHE    where libpqxx builds are kept (see scripts/deps_lib.sh)
#   TESTDB_REQUIRE_DEPS  1: a missing TESTDB_DEPS_DIR fails instead of skipping
source "$(dirname "$0")/common.sh"
source "$TESTDB_ROOT/scripts/deps_lib.sh"

PQXX7=libpqxx-7.10.7.tar.gz
PQXX8=libpqxx-8.0.1.tar.gz
if [ ! -f "$TESTDB_DEPS_DIR/$PQXX7" ] || [ ! -f "$TESTDB_DEPS_DIR/$PQXX8" ]; then
  why="no $PQXX7 and $PQXX8 in $TESTDB_DEPS_DIR (a fresh clone has no upstream archives); set TESTDB_DEPS_DIR to the directory holding them"
  if [ "${TESTDB_REQUIRE_DEPS:-0}" = 1 ]; then
    echo "compat: FAILED: $why (TESTDB_REQUIRE_DEPS=1)" >&2
    exit 1
  fi
  echo "compat: skipped: $why"
  exit 0
fi
install_missing clang-19 libc++-19-dev libc++abi-19-dev
clean_dep_work_dirs

# The ctest entries every libpqxx version must pass, and the targets they need.
TESTS='^(unit:|integration:core$|harness_good_suite|readme_example$|readme:in_sync$|booking_it|consumer:find_package$)'
# Not: the fuzz corpus replays (parsers with no libpqxx in them), the
# Catch2 v3 suites, which only the default build has, and the testdb tool's
# unit tests, which need the tool (the compat trees build without it).
SKIP='^unit:replay:|catch2v3|^unit: cli:'
TARGETS=(testdb_unit_tests testdb_integration_tests harness_good_suite readme_example booking_it)
CLANG=(-DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
       -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++
       -DCMAKE_SHARED_LINKER_FLAGS=-stdlib=libc++)

rows=()
# add_row VERSION RUN PASSED BUILD_SECONDS NOTE
add_row() { rows+=("$(printf '| %-8s | %5s | %6s | %9s | %s' "$@")"); }

# compat_run VERSION ARCHIVE [CMAKE_ARGS...]: libpqxx from the cache, testdb
# built against it (no optimisation, no debug info: the quickest compile, and
# these tests wait on the server, not the CPU), the tests run one at a time.
compat_run() {
  local version="$1" archive="$2"; shift 2
  local prefix dir="$TESTDB_ROOT/build-compat-$version" started=$SECONDS
  prefix="$(build_dep "$archive" -DSKIP_BUILD_TEST=ON -DSKIP_BUILD_EXAMPLES=ON \
            -DCMAKE_POSITION_INDEPENDENT_CODE=ON "$@" | tail -n1)"
  local deps_seconds=$((SECONDS - started))
  started=$SECONDS
  cmake -S "$TESTDB_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE= -DTESTDB_WARNINGS_AS_ERRORS=ON \
        -DTESTDB_BUILD_BENCH=OFF -DTESTDB_BUILD_CLI=OFF -DCMAKE_PREFIX_PATH="$prefix" \
        $(launcher_args) "$@" >/dev/null
  cmake --build "$dir" -j "${JOBS:-2}" --target "${TARGETS[@]}"
  local build_seconds=$((SECONDS - started))
  local log="$dir/compat-ctest.log"
  (cd "$dir" && ctest -R "$TESTS" -E "$SKIP" -j1 --output-on-failure) | tee "$log" || true
  local run failed
  run="$(sed -nE 's/.*tests passed, [0-9]+ tests failed out of ([0-9]+).*/\1/p' "$log")"
  failed="$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' "$log")"
  add_row "$version" "${run:-0}" "$(( ${run:-0} - ${failed:-0} ))" "$build_seconds" \
          "libpqxx build ${deps_seconds} s (0 when cached)"
}

# The default build's row, from scripts/test.sh's ctest run of the same tests.
default_row() {
  local dir="$TESTDB_BUILD_DIR" run failed=0
  [ -f "$dir/CTestTestfile.cmake" ] || return 0
  run="$(cd "$dir" && ctest -N -R "$TESTS" -E "$SKIP" | sed -nE 's/^Total Tests: ([0-9]+)/\1/p')"
  if [ -f "$dir/Testing/Temporary/LastTestsFailed.log" ]; then
    failed="$(cut -d: -f2- "$dir/Testing/Temporary/LastTestsFailed.log" | grep -E "$TESTS" | grep -cvE "$SKIP" || true)"
  fi
  add_row "6.4" "$run" "$((run - failed))" "$(cat "$dir/.testdb-build-seconds" 2>/dev/null || echo '?')" \
          "Debian's, the default build (scripts/test.sh's ctest run)"
}

total=$SECONDS
default_row
compat_run 7.10.7 "$PQXX7"
compat_run 8.0.1 "$PQXX8" "${CLANG[@]}"

say "public headers alone against libpqxx 8.0.1 (C++20, libc++, -Werror)"
bash "$TESTDB_ROOT/scripts/check_headers.sh" "$(dep_prefix "$PQXX8")"

say "libpqxx compatibility (${TESTS}; $((SECONDS - total)) s)"
printf '| %-8s | %5s | %6s | %9s | %s\n' libpqxx run passed "build (s)" note
printf '|%s|\n' "----------|-------|--------|-----------|------"
printf '%s\n' "${rows[@]}"
# Every version must pass every test it ran, and run as many as the others.
counts="$(printf '%s\n' "${rows[@]}" | awk -F'|' '{gsub(/ /,"",$3); gsub(/ /,"",$4); print $3" "$4}')"
if printf '%s\n' "$counts" | awk '$1 != $2 || $1 == 0 { bad = 1 } END { exit !bad }'; then
  echo "compat: a libpqxx version failed or ran no tests (table above)" >&2
  exit 1
fi
if [ "$(printf '%s\n' "$counts" | awk '{print $1}' | sort -u | wc -l)" -ne 1 ]; then
  echo "compat: the versions ran different numbers of tests (table above)" >&2
  exit 1
fi
