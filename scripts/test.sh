#!/usr/bin/env bash
# Quick start, step 2: install what is missing, build, and run every test
# (unit, integration, examples, benchmark smoke runs) through ctest.
source "$(dirname "$0")/common.sh"
install_missing
configure_and_build
say "all tests (ctest)"
cd "$TESTDB_BUILD_DIR"
ctest --output-on-failure -j "$JOBS"
