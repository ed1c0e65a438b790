#!/usr/bin/env bash
# `testdb run --shard i/n`: for n = 1..4, 7 and files+1 the shards' files
# (--list-shard) are disjoint and together all of the suite's files; three
# shards really run on their own embedded servers and together run every test
# case once, all passing; --balance-from changes the split deterministically;
# bad --shard values, a missing balance report and a non-Catch2 suite are
# refused with exit 2 naming the value.
source "$(dirname "$0")/lib.sh"
in_scratch_dir "$1" "$2"

# What Catch2 itself says, independently of testdb: "file count" per line.
total=$("$SUITE" --list-test-names-only | grep -c .)
"$SUITE" -# --list-tags | sed -n 's/^ *\([0-9][0-9]*\)  \[#\([^]]*\)\]$/\2 \1/p' | sort >"$work/all"
nfiles=$(wc -l <"$work/all")
echo "--- the suite: $total test cases in $nfiles files"
sed 's/^/    /' "$work/all"
[ "$total" -ge 1 ] && [ "$nfiles" -ge 1 ] || fail "the suite lists no test cases or files"
[ "$(awk '{ s += $2 } END { print s }' "$work/all")" = "$total" ] ||
    fail "the files' test counts do not add up to $total"

largest=$(sort -k2,2n "$work/all" | tail -n1 | cut -d' ' -f2)

# "name count" of every file line of a --list-shard output.
files_of() { sed -n 's/^  file \([^:]*\): \([0-9]*\) test cases, weight .*/\1 \2/p' <<<"$1"; }
stem() { sed 's|.*/||; s|\.[^.]*$||'; }

# check_split N [ARGS...]: lists the N shards; their files are disjoint and
# are together all the files, with Catch2's counts. Leaves shard i's files in
# $work/split-N-i and the index of an empty shard (if any) in $EMPTY.
check_split() {
    local n=$1 i tests
    shift
    EMPTY=
    : >"$work/union"
    for i in $(seq "$n"); do
        run_tool "list $i/$n" "$TOOL" run --shard "$i/$n" "$@" --list-shard -- "$SUITE"
        expect_rc 0 "--shard $i/$n --list-shard"
        expect_contains "$OUT" "shard $i/$n of $SUITE" "--shard $i/$n names the shard"
        expect_lacks "$ALL" "started embedded PostgreSQL" "--list-shard starts no server"
        files_of "$OUT" >"$work/split-$n-$i"
        [ -s "$work/split-$n-$i" ] || EMPTY=$i
        if [ $# -eq 0 ]; then  # by test count: no shard idle, none far above the average
            [ -s "$work/split-$n-$i" ] || [ "$n" -gt "$nfiles" ] ||
                fail "$n shards of $nfiles files: shard $i/$n is empty"
            tests=$(awk '{ s += $2 } END { print s + 0 }' "$work/split-$n-$i")
            [ $((tests * n)) -le $((total + n * largest)) ] ||
                fail "$n shards: shard $i/$n has $tests of $total test cases"
        fi
        cat "$work/split-$n-$i" >>"$work/union"
    done
    local dups
    dups=$(cut -d' ' -f1 "$work/union" | sort | uniq -d)
    [ -z "$dups" ] || fail "$n shards: files in two shards: $dups"
    sort "$work/union" | cmp -s - "$work/all" || fail "$n shards: the union is not all the files"
}

# 1..4 and 7 (one more than the booking suite's six files), and files + 1.
for n in $(printf '%s\n' 1 2 3 4 7 $((nfiles + 1)) | sort -nu); do
    check_split "$n"
    if [ "$n" -gt "$nfiles" ]; then
        [ -n "$EMPTY" ] || fail "$n shards of $nfiles files: no shard is empty"
        [ "$n" -eq $((nfiles + 1)) ] && empty_shard=$EMPTY
    fi
done
# Every runner computes the same split on its own.
run_tool again "$TOOL" run --shard 2/3 --list-shard -- "$SUITE"
first=$OUT
run_tool again "$TOOL" run --shard 2/3 --list-shard -- "$SUITE"
[ "$OUT" = "$first" ] || fail "two listings of shard 2/3 differ"

# A shard without files runs nothing, starts no server and leaves no empty
# Catch2 output file behind (CI would keep it as a broken JUnit file).
run_tool empty "$TOOL" run --shard "${empty_shard:-1}/$((nfiles + 1))" -- "$SUITE" \
    -r junit -o "$work/empty-junit.xml"
expect_rc 0 "an empty shard"
expect_contains "$OUT" "has no test files" "an empty shard says so"
expect_lacks "$ALL" "started embedded PostgreSQL" "an empty shard starts no server"
[ ! -e "$work/empty-junit.xml" ] || fail "an empty shard created the suite's -o file"

# Three shards, really run, each on its own embedded server.
check_split 3
: >"$work/ran"
sum=0
balance=()
for i in 1 2 3; do
    run_tool "run $i/3" "$TOOL" run --shard "$i/3" --report "$work/r_$i.json" -- "$SUITE"
    expect_rc 0 "shard $i/3"
    if [ ! -s "$work/split-3-$i" ]; then  # fewer files than shards (the tiny suite)
        expect_contains "$OUT" "has no test files" "the empty shard $i/3 says so"
        continue
    fi
    balance+=(--balance-from "$work/r_$i.json")
    expect_contains "$OUT" "shard:        $i/3:" "the summary names shard $i/3"
    expect_contains "$OUT" "verdict:      OK" "shard $i/3's verdict"
    report=$work/r_$i.json
    if [ ! -f "$report" ]; then
        fail "shard $i/3 wrote no report"
        continue
    fi
    [ "$(jq -r '.shard' "$report")" = "$i/3" ] || fail "the report of shard $i/3 names $(jq -r .shard "$report")"
    [ "$(jq '.ok and .exit_code == 0 and .report.tests.failed == 0' "$report")" = true ] ||
        fail "shard $i/3: not all passed"
    tests=$(jq '.report.tests.total' "$report")
    sum=$((sum + tests))
    # The files the suite ran are exactly the shard's files, with their counts.
    jq -r '.report.files[] | "\(.file) \(.tests)"' "$report" | while read -r file count; do
        echo "$(stem <<<"$file") $count"
    done | sort >"$work/ran-$i"
    cmp -s "$work/ran-$i" "$work/split-3-$i" || fail "shard $i/3 ran other files than it listed"
    jq -r '.shard_files[] | "\(.file) \(.tests)"' "$report" | sort | cmp -s - "$work/split-3-$i" ||
        fail "shard $i/3: shard_files in the report differ from the listing"
    cat "$work/ran-$i" >>"$work/ran"
    echo "--- shard $i/3 ran $tests test cases: $(cut -d' ' -f1 "$work/ran-$i" | tr '\n' ' ')"
done
[ "$sum" -eq "$total" ] || fail "the three shards ran $sum test cases, the suite has $total"
dups=$(cut -d' ' -f1 "$work/ran" | sort | uniq -d)
[ -z "$dups" ] || fail "files run by two shards: $dups"
sort "$work/ran" | cmp -s - "$work/all" || fail "the three shards did not run every file"

# --balance-from: the three reports' times give a valid, repeatable split.
check_split 3 "${balance[@]}"
expect_contains "$OUT" "balanced by time from" "--balance-from balances by time"
run_tool again "$TOOL" run --shard 3/3 "${balance[@]}" --list-shard -- "$SUITE"
first=$OUT
run_tool again "$TOOL" run --shard 3/3 "${balance[@]}" --list-shard -- "$SUITE"
[ "$OUT" = "$first" ] || fail "two --balance-from listings of shard 3/3 differ"
# ... and the times decide: with the file of fewest test cases made to take
# 1000 s, it is alone in shard 1 of 2, unlike when balanced by test count.
if [ "$nfiles" -ge 2 ]; then
    light=$(sort -k2,2n -k1,1 "$work/all" | head -n1 | cut -d' ' -f1)
    jq -s --arg light "$light" '(map(.report.files) | add | map(
            if (.file | split("/") | last | split(".") | first) == $light
            then .seconds = 1000 else . end)) as $files
        | .[0] | .report.files = $files' "$work"/r_*.json >"$work/slow.json"
    check_split 2
    cp "$work/split-2-1" "$work/by-count"
    check_split 2 --balance-from "$work/slow.json"
    [ "$(cut -d' ' -f1 "$work/split-2-1")" = "$light" ] ||
        fail "a 1000 s file is not alone in shard 1/2: $(cat "$work/split-2-1")"
    cmp -s "$work/split-2-1" "$work/by-count" && fail "--balance-from did not change the split"
fi

for bad in 0/3 4/3 x 3/0; do
    run_tool "bad $bad" "$TOOL" run --shard "$bad" -- "$SUITE"
    expect_rc 2 "--shard $bad"
    expect_contains "$ERR" "--shard '$bad'" "the error names the value $bad"
    expect_contains "$ERR" "Fix: pass --shard i/n" "the error says the fix"
done
run_tool no-report "$TOOL" run --shard 1/2 --balance-from "$work/none.json" -- "$SUITE"
expect_rc 2 "a missing --balance-from file"
expect_contains "$ERR" "$work/none.json" "the missing report is named"
run_tool no-shard "$TOOL" run --list-shard -- "$SUITE"
expect_rc 2 "--list-shard without --shard"
true_bin=$(command -v true)
run_tool not-catch2 "$TOOL" run --shard 1/2 -- "$true_bin"
expect_rc 2 "a suite that is no Catch2 or GoogleTest suite"
expect_contains "$ERR" "ConfigError: the suite '$true_bin' is neither a Catch2 v2, a Catch2 v3 nor a GoogleTest suite" \
    "the suite of no known framework is named"
expect_contains "$ERR" "Fix:" "the refusal says the fix"
finish
