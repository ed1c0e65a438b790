# Helpers shared by the `testdb` CLI tests (sourced by the *_test.sh scripts).
set -u

FAILURES=0

fail() {
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
}

# run_tool NAME ARGS...: runs ARGS, keeping stdout in $OUT, stderr in $ERR,
# both in $ALL and the exit code in $RC.
run_tool() {
    local name=$1
    shift
    local out_file err_file
    out_file=$(mktemp) err_file=$(mktemp)
    "$@" >"$out_file" 2>"$err_file"
    RC=$?
    OUT=$(cat "$out_file")
    ERR=$(cat "$err_file")
    ALL="$OUT
$ERR"
    rm -f "$out_file" "$err_file"
    echo "--- $name: exit $RC: $*"
    echo "$ALL" | sed 's/^/    /'
}

expect_rc() {  # expect_rc WANT WHAT
    [ "$RC" -eq "$1" ] || fail "$2: exit code $RC, expected $1"
}

expect_contains() {  # expect_contains TEXT NEEDLE WHAT
    case "$1" in
        *"$2"*) ;;
        *) fail "$3: output lacks '$2'" ;;
    esac
}

expect_lacks() {  # expect_lacks TEXT NEEDLE WHAT
    case "$1" in
        *"$2"*) fail "$3: output contains '$2'" ;;
        *) ;;
    esac
}

finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "$FAILURES check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}

# in_scratch_dir TOOL SUITE: sets TOOL and SUITE to absolute paths, then moves
# into a fresh directory $work (removed at exit) with no testdb settings
# inherited and no .env.test above it, so the embedded server is used.
in_scratch_dir() {
    TOOL=$(realpath "$1")
    SUITE=$(realpath "$2")
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work" || exit 1
    unset DATABASE_URL_TEST TESTDB_RUN_TOKEN TESTDB_REPORT
}

# in_server_dir NAME: a fresh directory $base for servers `testdb up` starts
# (readable by the unprivileged server user), stopped and removed at exit.
# Needs TOOL.
in_server_dir() {
    base=$(mktemp -d "/tmp/testdb-cli-$1.XXXXXX")
    chmod 755 "$base"  # the server runs as an unprivileged user when we are root
    trap '"$TOOL" down --dir "$base" >/dev/null 2>&1; rm -rf "$base"' EXIT
}
