# Helpers for the scaling scripts and tests: a throwaway PostgreSQL started
# with `testdb up`, PgBouncer (Debian's pgbouncer) in front of it, and a
# pg_stat_activity sampler. Source it; set TESTDB_TOOL to the built `testdb`.
# Every helper that starts something registers it for scaling_cleanup.

SCALING_DIR=""
SCALING_SERVER_PORT=""
SCALING_BOUNCER_PORT=""
SCALING_SERVER_PASSWORD=""
SCALING_SAMPLER_PID=""
SCALING_SERVER_USER="${TESTDB_SERVER_USER:-postgres}"

# A TCP port nothing listens on yet (bash's /dev/tcp: no other tool needed).
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 12000))  # below the ephemeral range (32768+)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# scaling_start_server [name=value ...]: a throwaway server on a TCP port,
# with extra settings (e.g. max_connections=30). Sets SCALING_SERVER_PORT.
scaling_start_server() {
  SCALING_DIR="$(mktemp -d /tmp/testdb-scaling-XXXXXX)"
  chmod 755 "$SCALING_DIR"
  SCALING_SERVER_PORT="$(free_port)"
  local settings=()
  for s in "$@"; do settings+=(--setting "$s"); done
  local exported
  exported="$("$TESTDB_TOOL" up --dir "$SCALING_DIR" --port "$SCALING_SERVER_PORT" "${settings[@]}")" ||
    return 1
  # Over TCP the server wants the password generated for it, which the
  # exported URL carries: postgresql://postgres:PASSWORD@127.0.0.1:PORT/db.
  SCALING_SERVER_PASSWORD="$(printf '%s\n' "$exported" | sed -n "s|.*://[^:/@]*:\([^@]*\)@.*|\1|p")"
  [ -n "$SCALING_SERVER_PASSWORD" ] || { echo "testdb up printed no password: $exported" >&2; return 1; }
}

# The server's URL for database $1 (direct, over TCP).
server_url() {
  echo "postgresql://$SCALING_SERVER_USER:$SCALING_SERVER_PASSWORD@127.0.0.1:$SCALING_SERVER_PORT/$1"
}
# PgBouncer's URL for database $1 (it takes the server's user and password).
bouncer_url() {
  echo "postgresql://$SCALING_SERVER_USER:$SCALING_SERVER_PASSWORD@127.0.0.1:$SCALING_BOUNCER_PORT/$1"
}

# create_databases NAME...: fresh, empty databases on the server.
create_databases() {
  for db in "$@"; do
    PGOPTIONS='-c client_min_messages=warning' psql -qAt "$(server_url postgres)" \
      -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  done
}

# scaling_start_bouncer POOL_SIZE: PgBouncer in transaction mode in front of
# the server, every database passed through, as the unprivileged server
# user (PgBouncer refuses to run as root). Sets SCALING_BOUNCER_PORT.
scaling_start_bouncer() {
  local pool_size=$1
  if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
    echo "pgbouncer is not installed: apt-get install pgbouncer (scripts/test.sh does)" >&2
    return 1
  fi
  SCALING_BOUNCER_PORT="$(free_port)"
  local dir="$SCALING_DIR/bouncer"
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$SCALING_SERVER_PORT user=$SCALING_SERVER_USER password=$SCALING_SERVER_PASSWORD
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $SCALING_BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $pool_size
max_client_conn = 500
admin_users = $SCALING_SERVER_USER
stats_users = $SCALING_SERVER_USER
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
INI
  echo "\"$SCALING_SERVER_USER\" \"$SCALING_SERVER_PASSWORD\"" >"$dir/userlist.txt"
  chmod 600 "$dir/userlist.txt" "$dir/pgbouncer.ini"
  chown -R "$SCALING_SERVER_USER" "$dir"
  local bin; bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$SCALING_SERVER_USER" -- "$bin" -d "$dir/pgbouncer.ini"
  else
    "$bin" -d "$dir/pgbouncer.ini"
  fi
  for _ in $(seq 1 50); do
    psql -qAt "$(bouncer_url pgbouncer)" -c "SHOW VERSION" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "PgBouncer did not start; its log:" >&2
  cat "$dir/pgbouncer.log" >&2
  return 1
}

# scaling_start_sampler FILE: counts the server's client backends (all but
# its own) every 50 ms into FILE, one number per line, until stopped.
scaling_start_sampler() {
  local file=$1
  ( printf '%s\n' "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid();" '\watch 0.05' |
      psql -qAt "$(server_url postgres)" >"$file" ) 2>/dev/null &
  SCALING_SAMPLER_PID=$!
}

scaling_stop_sampler() {
  if [ -n "$SCALING_SAMPLER_PID" ]; then
    pkill -P "$SCALING_SAMPLER_PID" 2>/dev/null || true
    kill "$SCALING_SAMPLER_PID" 2>/dev/null || true
    wait "$SCALING_SAMPLER_PID" 2>/dev/null || true
    SCALING_SAMPLER_PID=""
  fi
}

# The largest number in FILE (0 when empty).
peak_of() { sort -n "$1" 2>/dev/null | tail -n 1 | grep -E '^[0-9]+$' || echo 0; }

scaling_cleanup() {
  scaling_stop_sampler
  if [ -n "$SCALING_DIR" ] && [ -f "$SCALING_DIR/bouncer/pgbouncer.pid" ]; then
    kill "$(cat "$SCALING_DIR/bouncer/pgbouncer.pid")" 2>/dev/null || true
  fi
  if [ -n "$SCALING_DIR" ]; then
    "$TESTDB_TOOL" down --dir "$SCALING_DIR" >/dev/null 2>&1 || true
    rm -rf "$SCALING_DIR"
  fi
}
