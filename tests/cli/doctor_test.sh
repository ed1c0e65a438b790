#!/usr/bin/env bash
# `testdb doctor` where nothing listens (non-zero, names host:port, never
# prints the password), with a malformed URL, and with nothing configured.
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1  # no .env.test above a fresh temporary directory
unset DATABASE_URL_TEST

run_tool unreachable-url "$TOOL" doctor --url 'postgresql://bob:s3cret-pw@127.0.0.1:1/app_test'
expect_rc 1 "doctor against 127.0.0.1:1"
expect_contains "$ALL" "127.0.0.1:1" "the endpoint is named"
expect_contains "$ALL" "bob:****@" "the password is masked"
expect_lacks "$ALL" "s3cret-pw" "the password"

DATABASE_URL_TEST='postgresql://bob:s3cr%40t-pw@127.0.0.1:1/app_test?connection_limit=2' \
    run_tool unreachable-env "$TOOL" doctor
expect_rc 1 "doctor against 127.0.0.1:1 from the environment"
expect_contains "$ALL" "127.0.0.1:1" "the endpoint is named"
expect_contains "$ALL" "connection_limit 2" "the configured limit"
expect_lacks "$ALL" "s3cr%40t-pw" "the encoded password"
expect_lacks "$ALL" "s3cr@t-pw" "the decoded password"

run_tool malformed "$TOOL" doctor --url 'postgresql://bob:pw-secret@127.0.0.1:1/app_test?pool_timeout=abc'
expect_rc 2 "doctor with a malformed URL"
expect_contains "$ERR" "pool_timeout" "the bad parameter is named"
expect_lacks "$ALL" "pw-secret" "the password"

run_tool embedded "$TOOL" doctor
expect_rc 0 "doctor with nothing configured"
expect_contains "$OUT" "nothing configured" "doctor says nothing is configured"
expect_contains "$OUT" "binaries:" "doctor checks the server binaries"
expect_contains "$OUT" "verdict: OK" "doctor's verdict"
finish
