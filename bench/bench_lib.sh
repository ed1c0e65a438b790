# Shared by bench/*.sh (sourced): a scratch directory and a running server.

# bench_scratch_and_server TESTDB: makes $scratch (removed at exit) and, when
# DATABASE_URL_TEST is unset, starts a server there with `TESTDB up` (stopped
# at exit) and exports its DATABASE_URL_TEST.
bench_scratch_and_server() {
  bench_tool=$1
  scratch=$(mktemp -d /tmp/testdb-bench.XXXXXX)
  chmod 755 "$scratch"  # the server runs as an unprivileged user when we are root
  bench_started=""
  trap '[ -z "$bench_started" ] || "$bench_tool" down --dir "$scratch" >/dev/null 2>&1; rm -rf "$scratch"' EXIT
  if [ -z "${DATABASE_URL_TEST:-}" ]; then
    eval "$("$bench_tool" up --dir "$scratch" 2>/dev/null)"
    bench_started=1
  fi
}

# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# bench_write_json FILE TEXT: writes TEXT, a JSON document whose numbers came
# from bc (which prints .64 for 0.64), to FILE as valid JSON; fails if it is
# not JSON even then.
bench_write_json() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
text = re.sub(r'(?<=[:\[,\s])(-?)\.(\d)', r'\g<1>0.\2', sys.argv[2])
with open(sys.argv[1], "w") as out:
    json.dump(json.loads(text), out, indent=1)
    out.write("\n")
PY
}
