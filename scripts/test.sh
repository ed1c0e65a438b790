#!/usr/bin/env bash
# Quick start, step 2: install what is missing, build, and run every test
# through ctest (unit, integration, examples in every isolation tier, the
# tool, the fault matrix, benchmark smoke runs), then the checks CI adds:
# clang-tidy over harness/, the suites under AddressSanitizer +
# UndefinedBehaviorSanitizer, the pool and race tests under ThreadSanitizer,
# and a short fuzzing run of every input parser, then the libpqxx 7 and 8
# compatibility builds (scripts/compat.sh).
#
#   bash scripts/test.sh            everything (what CI runs)
#   bash scripts/test.sh --fast     ctest only, no tidy/sanitizer/fuzz stages
#
#   TESTDB_DEPS_DIR      upstream archives (default <repo>/../shared/deps):
#                        Catch2 3.7.1 for the Catch2 v3 suites, libpqxx 7/8
#   TESTDB_REQUIRE_DEPS  1: a missing archive fails instead of skipping (CI)
source "$(dirname "$0")/common.sh"

FAST=0
for arg in "$@"; do
  case "$arg" in
    --fast) FAST=1 ;;
    *) echo "scripts/test.sh: unknown option '$arg' (use --fast or nothing)" >&2; exit 2 ;;
  esac
done

started=$SECONDS
stage() { say "$* (at $((SECONDS - started)) s)"; }

# Only the tests need these (the quick start does not): pgbouncer, which the
# scaling tests put in front of the embedded server; sqitch with its Pg
# engine, a real MIGRATE_COMMAND (tests/migrations); chromium, which renders
# the HTML report (tests/report).
test_packages=(pgbouncer sqitch libdbd-pg-perl chromium)
if [ "$FAST" -eq 1 ]; then install_missing "${test_packages[@]}"; else install_missing "${test_packages[@]}" clang-tidy; fi
# Catch2 v3 (testdb::catch2v3 and its suites): built once into the cache, or
# skipped in one line when TESTDB_DEPS_DIR has no archive (CI: a failure).
source "$TESTDB_ROOT/scripts/deps_lib.sh"
stage "Catch2 v3 for testdb::catch2v3"
catch2v3_arg="$(catch2v3_cmake_args)"
configure_and_build "$catch2v3_arg"

stage "all tests (ctest)"
(cd "$TESTDB_BUILD_DIR" && ctest --output-on-failure -j "$JOBS")

stage "example suite through testdb run (peak connections sampled on the server)"
(cd "$TESTDB_BUILD_DIR" && ./harness/cli/testdb run -- ./examples/booking/tests/booking_it)

stage "testdb lint over the project's tests and examples"
(cd "$TESTDB_ROOT" && "$TESTDB_BUILD_DIR/harness/cli/testdb" lint tests examples)

if [ "$FAST" -eq 1 ]; then
  say "done in $((SECONDS - started)) s (--fast: tidy, sanitizers and fuzzing skipped)"
  exit 0
fi

stage "clang-tidy over harness/"
# Only what this build compiles (an adapter whose framework is missing is not).
mapfile -t sources < <(cd "$TESTDB_ROOT" && ls harness/*/*.cpp harness/adapters/*/*.cpp |
  while read -r f; do grep -qF "\"$TESTDB_ROOT/$f\"" "$TESTDB_BUILD_DIR/compile_commands.json" && echo "$f"; done)
(cd "$TESTDB_ROOT" && printf '%s\n' "${sources[@]}" |
   xargs -P "$JOBS" -n 4 clang-tidy -p "$TESTDB_BUILD_DIR" --quiet 2>/dev/null) | tee "$TESTDB_BUILD_DIR/clang-tidy.log"
if grep -qE '(warning|error):' "$TESTDB_BUILD_DIR/clang-tidy.log"; then
  echo "clang-tidy found the problems above (config: .clang-tidy)" >&2
  exit 1
fi

# One sanitizer build: a separate build tree, the targets the stage needs.
sanitized_build() {
  local dir="$1" sanitizers="$2"; shift 2
  cmake -S "$TESTDB_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DTESTDB_WARNINGS_AS_ERRORS=ON $(launcher_args) \
        -DTESTDB_SANITIZE="$sanitizers" -DTESTDB_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j "$JOBS" --target "$@"
}

stage "AddressSanitizer + UndefinedBehaviorSanitizer: unit, integration, example suites"
ASAN_DIR="$TESTDB_ROOT/build-asan"
sanitized_build "$ASAN_DIR" address,undefined testdb_unit_tests testdb_integration_tests booking_it harness_good_suite harness_static_holders_suite \
  readme_example readme_schema_rules readme_custom_tenants \
  booking_gtest_it harness_gtest_good_suite readme_example_gtest tiers_users_posts tiers_users_posts_gtest \
  config_parse_fuzzer_replay dotenv_fuzzer_replay mask_password_fuzzer_replay report_json_fuzzer_replay
# Leak checks stay on; libpq's and OpenSSL's one-time allocations are not ours.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$TESTDB_ROOT/.ci/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Not here: the tool's tests (the tool is not built) and the tests that
# install testdb or build a project around it (consumer, README project,
# subproject): they test packaging, not memory. Nor the migrations suites
# (their parsing is in the unit tests; CI time is kept for the rest), nor the
# tests driven through the tool (the touched tier's one-process check, the
# HTML report in Chromium).
(cd "$ASAN_DIR" && ctest --output-on-failure -L 'unit|integration' \
   -E '^(cli|lint|fault|consumer|harness:|readme:cmake_project|subproject:|migrations:|tiers:touched:one_process|report:)')
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

stage "ThreadSanitizer: pool and race tests"
TSAN_DIR="$TESTDB_ROOT/build-tsan"
sanitized_build "$TSAN_DIR" thread testdb_integration_tests booking_it booking_gtest_it
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$TESTDB_ROOT/.ci/tsan.supp"
"$TSAN_DIR/tests/testdb_integration_tests" "[pool]"
"$TSAN_DIR/examples/booking/tests/booking_it" "[race]"
# GoogleTest (testdb::gtest): its self-tests and the port's race tests.
"$TSAN_DIR/tests/testdb_integration_tests" "[gtest]"
"$TSAN_DIR/examples/booking/tests/booking_gtest_it" --gtest_filter='*Race*'
unset TSAN_OPTIONS

if [ -x "$TESTDB_ROOT/scripts/fuzz.sh" ]; then
  stage "fuzzing every input parser (20 s each)"
  bash "$TESTDB_ROOT/scripts/fuzz.sh" 20
fi

stage "libpqxx compatibility: 7.10.7 (GCC 12) and 8.0.1 (clang 19 + libc++)"
bash "$TESTDB_ROOT/scripts/compat.sh"

say "all stages passed in $((SECONDS - started)) s"
