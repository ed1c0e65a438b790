#!/usr/bin/env bash
# `testdb up --port`: TCP on 127.0.0.1 requires the password generated for
# that server, which only the exported URL carries; the Unix socket sits in a
# 0700 directory. Another OS account (nobody) is refused both ways, the owner
# gets in with the printed URL, and no other output shows the password.
#   up_tcp_auth_test.sh TOOL SUITE
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/../../scripts/scaling_lib.sh"  # free_port
TOOL=$(realpath "$1")
SUITE=$(realpath "$2")
unset DATABASE_URL_TEST TESTDB_RUN_TOKEN TESTDB_REPORT
in_server_dir tcp
port=$(free_port)

run_tool up-tcp "$TOOL" up --dir "$base" --port "$port"
expect_rc 0 "up --port"
url=$(sed -n "s/^export DATABASE_URL_TEST='\(.*\)'$/\1/p" <<<"$OUT")
password=$(sed -n 's|^postgresql://postgres:\([0-9a-f]*\)@127\.0\.0\.1:'"$port"'/.*|\1|p' <<<"$url")
[ "${#password}" -ge 32 ] || fail "the exported URL '$url' carries no generated password"
[ -n "$password" ] || { finish; exit 1; }
expect_lacks "$ERR" "$password" "up's own messages"
server_dir=$(sed -n 's/.*"directory": "\(.*\)".*/\1/p' "$base/testdb-up.json")
[ "$(stat -c %a "$server_dir")" = 700 ] || fail "the socket directory $server_dir is not mode 700"
[ "$(stat -c %a "$base/testdb-up.json")" = 600 ] || fail "the state file (it holds the URL) is not mode 600"

# The owner, with the printed URL, gets in over TCP; without the password not.
[ "$(psql -w -qAt "$url" -c 'SELECT 1' 2>&1)" = 1 ] || fail "the owner cannot connect with the printed URL"
no_password="postgresql://postgres@127.0.0.1:$port/testdb_test"
if PGPASSWORD= psql -w -qAt "$no_password" -c 'SELECT 1' >/dev/null 2>&1; then
    fail "TCP admits a connection without the password"
fi

# Another OS account: refused over TCP (no password, or a wrong one) and
# over the socket (it cannot enter the 0700 directory).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    as_nobody() { (cd / && runuser -u nobody -- env PGPASSWORD= psql -w -qAt "$@" -c 'SELECT 1' 2>&1); }
    out=$(as_nobody "$no_password") && fail "nobody got in over TCP without a password: $out"
    expect_contains "$out" "password" "nobody over TCP is asked for a password"
    out=$(as_nobody "postgresql://postgres:wrong@127.0.0.1:$port/testdb_test") &&
        fail "nobody got in over TCP with a wrong password: $out"
    out=$(as_nobody "host=$server_dir port=$port user=postgres dbname=testdb_test") &&
        fail "nobody got in over the Unix socket: $out"
    echo "--- nobody over the socket: $out"
else
    fail "this test must run as root (it switches to the account nobody)"
fi

# The password is masked in everything else testdb prints about the server.
run_tool doctor "$TOOL" doctor --url "$url"
expect_rc 0 "doctor over TCP with the password"
expect_lacks "$ALL" "$password" "doctor"
run_tool doctor-bad "$TOOL" doctor --url "${url%/*}/missing_test"
expect_lacks "$ALL" "$password" "doctor's connection error"
run_tool run env DATABASE_URL_TEST="$url" TESTDB_LOG_LEVEL=debug "$TOOL" run -- "$SUITE"
expect_rc 0 "run over TCP with the password"
expect_lacks "$ALL" "$password" "run"
run_tool up-again "$TOOL" up --dir "$base" --port "$port"
expect_rc 0 "up again"
expect_contains "$OUT" "$url" "up again exports the same URL"
expect_lacks "$ERR" "$password" "up again's messages"

run_tool down-tcp "$TOOL" down --dir "$base"
expect_rc 0 "down"
finish
