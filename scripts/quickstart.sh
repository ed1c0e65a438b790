#!/usr/bin/env bash
# Quick start, step 1: install what is missing, build, and run the example
# integration suite on testdb's embedded PostgreSQL.
source "$(dirname "$0")/common.sh"
install_missing
configure_and_build
say "example suite on the embedded PostgreSQL"
cd "$TESTDB_BUILD_DIR"
exec ctest -L example --output-on-failure
