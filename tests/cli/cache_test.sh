#!/usr/bin/env bash
# `testdb cache` and `testdb cache clean` on a cache a real embedded server
# filled (`testdb up --cache-dir`, then `testdb down`): the listing names the
# entry and its size, clean removes it; an entry whose lock is held is
# skipped and kept; a directory that is not a cache is refused, untouched.
source "$(dirname "$0")/lib.sh"
TOOL=$(realpath "$1")
in_server_dir cache
cache="$base/cache"

run_tool missing "$TOOL" cache --cache-dir "$cache"
expect_rc 0 "cache of a directory that does not exist"
expect_contains "$OUT" "nothing cached" "cache of a missing directory"

run_tool up "$TOOL" up --dir "$base" --cache-dir "$cache"
expect_rc 0 "up --cache-dir"
run_tool down "$TOOL" down --dir "$base"
expect_rc 0 "down"
entry=$(cd "$cache" 2>/dev/null && ls -d pg[0-9]*-* 2>/dev/null | grep -v '\.' | head -1)
[ -n "$entry" ] && [ -d "$cache/$entry/data" ] || fail "up --cache-dir left no cache entry in $cache"
# The spare is copied in the background under the entry's lock: wait for it.
flock -w 60 "$cache/$entry.lock" true || fail "the spare copier kept the lock for 60 s"

run_tool list "$TOOL" cache --cache-dir "$cache"
expect_rc 0 "cache"
expect_contains "$OUT" "$entry: PostgreSQL " "cache lists the entry and its version"
expect_contains "$OUT" "spare: ready" "cache sees the spare"
expect_contains "$OUT" "not in use" "cache: nobody holds the lock"
size=$(sed -n 's/.*total: \([0-9.]*\) MiB in 1 entry.*/\1/p' <<<"$OUT")
[ -n "$size" ] && awk -v s="$size" 'BEGIN { exit !(s >= 1) }' ||
    fail "cache: the total '$size' MiB is not the size of an entry"

# A stale copy of a copier that died, and the lock held as a starting server
# holds it: clean keeps everything of that entry.
mkdir "$cache/$entry.spare-tmp-dead01"
exec 9>"$cache/$entry.lock"
flock -n 9 || fail "cannot take the entry's lock from the test"
run_tool busy-list "$TOOL" cache --cache-dir "$cache"
expect_contains "$OUT" "in use: a server is building" "cache sees the held lock"
run_tool busy-clean "$TOOL" cache clean --cache-dir "$cache"
expect_rc 0 "cache clean with the lock held"
expect_contains "$OUT" "skipped $entry: in use" "clean names the entry in use"
[ -d "$cache/$entry/data" ] || fail "clean removed the entry whose lock was held"
[ -d "$cache/$entry.spare-tmp-dead01" ] || fail "clean removed a copy while the lock was held"
exec 9>&-

# A directory that is not a cache: refused, nothing removed.
foreign="$base/foreign"
mkdir -p "$foreign/$entry/data"
echo keep >"$foreign/notes.txt"
run_tool foreign "$TOOL" cache clean --cache-dir "$foreign"
expect_rc 2 "cache clean of a foreign directory"
expect_contains "$ERR" "ConfigError: --cache-dir $foreign does not look like testdb's cache" "refusal"
expect_contains "$ERR" "notes.txt" "the refusal names the foreign file"
[ -f "$foreign/notes.txt" ] && [ -d "$foreign/$entry/data" ] || fail "clean touched $foreign"
run_tool root "$TOOL" cache clean --cache-dir /
expect_rc 2 "cache clean --cache-dir /"

run_tool clean "$TOOL" cache clean --cache-dir "$cache"
expect_rc 0 "cache clean"
expect_contains "$OUT" "removed $entry (" "clean names what it removed"
expect_contains "$OUT" "freed " "clean prints the space freed"
left=$(ls -A "$cache")
[ -z "$left" ] || fail "clean left $left in $cache"
run_tool after "$TOOL" cache --cache-dir "$cache"
expect_contains "$OUT" "nothing cached" "cache after clean"
finish
