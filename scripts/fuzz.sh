#!/usr/bin/env bash
# Fuzzes every input parser of testdb with libFuzzer (issue 9):
#   scripts/fuzz.sh [seconds-per-fuzzer]      (default 30; CI uses about 20)
# Installs clang-14 and its runtime (libFuzzer, sanitizers) when missing,
# builds the fuzzers with clang in build-fuzz (never the normal build
# directory: the library is instrumented there), then runs each one. The
# seed corpus in fuzz/corpus/<fuzzer>/ is read only; what libFuzzer learns
# goes to build-fuzz/corpus/<fuzzer>/ and any crash or broken property to
# build-fuzz/findings/. Exit status: 0 when no fuzzer found anything.
source "$(dirname "$0")/common.sh"

SECONDS_PER_FUZZER="${1:-30}"
FUZZ_BUILD_DIR="${TESTDB_FUZZ_BUILD_DIR:-$TESTDB_ROOT/build-fuzz}"
FUZZ_JOBS="${JOBS:-2}"
FUZZERS=(config_parse_fuzzer dotenv_fuzzer mask_password_fuzzer report_json_fuzzer)
declare -A DICTS=([config_parse_fuzzer]=url [dotenv_fuzzer]=dotenv
                  [mask_password_fuzzer]=url [report_json_fuzzer]=report)

# 0 would be no limit at all to libFuzzer: a run that never ends.
case "$SECONDS_PER_FUZZER" in
  '' | *[!0-9]* | 0 | 00*)
    echo "usage: scripts/fuzz.sh [seconds-per-fuzzer] (a whole number of at least 1, got '$1')" >&2
    exit 2 ;;
esac

# The library's own build dependencies, plus clang and libFuzzer.
install_missing clang-14 libclang-rt-14-dev

# The top-level CMakeLists.txt adds fuzz/ once it has the option; until
# then a two-line wrapper project builds the library and fuzz/ together.
SOURCE_DIR="$TESTDB_ROOT"
if ! grep -q TESTDB_BUILD_FUZZERS "$TESTDB_ROOT/CMakeLists.txt"; then
  SOURCE_DIR="$FUZZ_BUILD_DIR/wrapper"
  mkdir -p "$SOURCE_DIR"
  cat >"$SOURCE_DIR/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(testdb_fuzz_wrapper CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
add_subdirectory("$TESTDB_ROOT" testdb)
add_subdirectory("$TESTDB_ROOT/fuzz" fuzz)
EOF
fi

say "configure fuzzers (clang-14) in $FUZZ_BUILD_DIR"
CC=clang-14 CXX=clang++-14 cmake -S "$SOURCE_DIR" -B "$FUZZ_BUILD_DIR" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESTDB_BUILD_FUZZERS=ON -DTESTDB_WARNINGS_AS_ERRORS=ON \
  -DTESTDB_BUILD_TESTS=OFF -DTESTDB_BUILD_EXAMPLES=OFF -DTESTDB_BUILD_BENCH=OFF \
  -DTESTDB_BUILD_CLI=OFF -DTESTDB_INSTALL=OFF >/dev/null
say "build fuzzers (-j$FUZZ_JOBS)"
cmake --build "$FUZZ_BUILD_DIR" -j "$FUZZ_JOBS" --target testdb_fuzzers

export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
mkdir -p "$FUZZ_BUILD_DIR/findings"
# CI fuzzes from a fixed seed; elsewhere libFuzzer picks a fresh seed each
# time (TESTDB_FUZZ_SEED overrides). A seed alone does not replay a run: the
# time limit, corpus reloads and compared pointer values steer the mutations
# too. What reproduces a finding is its input, which the summary prints in
# base64 (CI keeps only its log).
FUZZ_SEED="${TESTDB_FUZZ_SEED:-}"
if [ -z "$FUZZ_SEED" ] && [ -n "${CI:-}" ]; then FUZZ_SEED=1; fi
SEED_FLAG=()
if [ -n "$FUZZ_SEED" ]; then SEED_FLAG=(-seed="$FUZZ_SEED"); fi
failed=()
summary=()
for fuzzer in "${FUZZERS[@]}"; do
  binary="$(find "$FUZZ_BUILD_DIR" -type f -name "$fuzzer" -perm -u+x | head -n 1)"
  if [ -z "$binary" ]; then
    echo "fuzz: $fuzzer was not built" >&2
    failed+=("$fuzzer (not built)")
    continue
  fi
  work="$FUZZ_BUILD_DIR/corpus/$fuzzer"
  mkdir -p "$work"
  log="$FUZZ_BUILD_DIR/findings/$fuzzer.log"
  say "fuzz $fuzzer for ${SECONDS_PER_FUZZER}s"
  rm -f "$FUZZ_BUILD_DIR/findings/$fuzzer-"*  # a finding of an earlier run is not this run's
  status=0
  "$binary" "$work" "$TESTDB_ROOT/fuzz/corpus/$fuzzer" \
    -dict="$TESTDB_ROOT/fuzz/dict/${DICTS[$fuzzer]}.dict" \
    -max_total_time="$SECONDS_PER_FUZZER" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    "${SEED_FLAG[@]}" -print_final_stats=1 -artifact_prefix="$FUZZ_BUILD_DIR/findings/$fuzzer-" >"$log" 2>&1 ||
    status=$?
  runs="$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' |
          tail -n 1 || true)"
  cov="$(grep -ao 'cov: [0-9]*' "$log" | tail -n 1 || true)"
  if [ "$status" -ne 0 ]; then
    failed+=("$fuzzer")
    summary+=("$fuzzer: FINDING after ${runs:-?} runs (exit $status); see $log")
    grep -a -E -A12 \
      'testdb fuzz finding|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error' \
      "$log" | head -n 40 || true
    for input in "$FUZZ_BUILD_DIR/findings/$fuzzer-"*; do
      [ -f "$input" ] || continue
      echo "--- the input, to reproduce: echo '$(base64 -w0 "$input")' | base64 -d >case &&" \
        "$binary case"
    done
  else
    summary+=("$fuzzer: ${runs:-?} runs, ${cov:-cov ?}, no findings")
  fi
done

say "fuzz summary (${SECONDS_PER_FUZZER}s each)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in ${failed[*]}; reproduce with <fuzzer> <crash file>" >&2
  exit 1
fi
