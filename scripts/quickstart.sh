#!/usr/bin/env bash
# Quick start, step 1: install what is missing, build, and run the example
# booking suite (104 tests in six files, one process, one pool of 3) on
# testdb's embedded PostgreSQL, through `testdb run`, which samples the
# server's connections while the suite runs and prints the report.
source "$(dirname "$0")/common.sh"
install_missing
configure_and_build
say "example suite on the embedded PostgreSQL: testdb run -- booking_it"
cd "$TESTDB_BUILD_DIR"
exec ./harness/cli/testdb run --report booking-report.json -- ./examples/booking/tests/booking_it
