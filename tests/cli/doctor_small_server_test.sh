#!/usr/bin/env bash
# `testdb doctor` against a server started with max_connections=5 and no
# reserved slots: one process of connection_limit 3 fits, two do not.
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")

in_server_dir small

run_tool up-small "$TOOL" up --dir "$base" --setting max_connections=5 \
    --setting superuser_reserved_connections=0
expect_rc 0 "up with max_connections=5"
eval "$OUT"

run_tool doctor-one "$TOOL" doctor --url "$DATABASE_URL_TEST" --processes 1
expect_rc 0 "doctor: 1 process of 3 on a server of 5"
expect_contains "$OUT" "max_connections:                5" "doctor reads max_connections=5"
expect_contains "$OUT" "verdict: OK" "doctor: 1 process fits"

run_tool doctor-two "$TOOL" doctor --url "$DATABASE_URL_TEST" --processes 2
expect_rc 1 "doctor: 2 processes of 3 on a server of 5"
expect_contains "$OUT" "DOES NOT FIT" "doctor: 2 processes do not fit"
# 5 - 2 of headroom leaves 3: less than one process with its slot (3 + 1).
expect_contains "$OUT" "budget:         none fits" "doctor: no budget fits 5 connections"

# connection_limit 8 on 5 free slots: not even one process fits, and the
# advice says what would (not "run at most 0 processes").
case "$DATABASE_URL_TEST" in *\?*) sep='&' ;; *) sep='?' ;; esac
run_tool doctor-none "$TOOL" doctor --url "${DATABASE_URL_TEST}${sep}connection_limit=8" --processes 1
expect_rc 1 "doctor: connection_limit 8 on a server of 5"
expect_contains "$OUT" "not even one process fits" "doctor: nothing fits"
expect_contains "$OUT" "lower connection_limit to " "doctor: a smaller connection_limit would fit"
expect_lacks "$OUT" "at most 0" "doctor: no advice to run 0 processes"

run_tool down-small "$TOOL" down --dir "$base"
expect_rc 0 "down"
finish
