# Shared by scripts/quickstart.sh and scripts/test.sh: install what is
# missing, configure and build. Source it; do not run it.
set -euo pipefail

TESTDB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTDB_BUILD_DIR="${TESTDB_BUILD_DIR:-$TESTDB_ROOT/build}"
TESTDB_BUILD_TYPE="${TESTDB_BUILD_TYPE:-RelWithDebInfo}"
JOBS="${JOBS:-$(nproc)}"

# Debian 12 packages testdb needs to build, test and run its embedded server.
TESTDB_PACKAGES=(
  ca-certificates cmake g++ make pkg-config git ccache
  libpqxx-dev libpq-dev libssl-dev catch2 libgtest-dev libspdlog-dev nlohmann-json3-dev libcli11-dev
  postgresql-15
  python3-yaml  # tests/docs: the CI recipes of docs/ci are parsed and run
)

say() { printf '\n== %s\n' "$*"; }

install_missing() {
  local missing=()
  for pkg in "${TESTDB_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: all present"
    return
  fi
  say "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # testdb starts its own servers; the distribution's default cluster would
  # only hold port 5432 and memory.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $sudo mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' | $sudo tee /etc/postgresql-common/createcluster.d/testdb.conf >/dev/null
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ccache, when installed, serves a rebuild of unchanged sources (a second CI
# run, another clone of the same commit, the sanitizer and compatibility
# trees) from its cache. Paths under the clone are rewritten relative to the
# build directory, so clones in different folders share the cache. Set
# whether or not ccache is installed yet: on a fresh machine the package step
# installs it after this file is read, and a first run without these would
# fill the cache with entries only its own clone's paths can hit.
export CCACHE_BASEDIR="$TESTDB_ROOT" CCACHE_NOHASHDIR=1
launcher_args() {
  if command -v ccache >/dev/null 2>&1; then
    echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  fi
}

configure_and_build() {
  say "configure ($TESTDB_BUILD_TYPE) in $TESTDB_BUILD_DIR"
  cmake -S "$TESTDB_ROOT" -B "$TESTDB_BUILD_DIR" -DCMAKE_BUILD_TYPE="$TESTDB_BUILD_TYPE" \
        -DTESTDB_WARNINGS_AS_ERRORS=ON $(launcher_args) "$@" >/dev/null
  say "build (-j$JOBS)"
  local build_started=$SECONDS
  cmake --build "$TESTDB_BUILD_DIR" -j "$JOBS"
  # scripts/compat.sh reports it in its table's row for the default build.
  echo $((SECONDS - build_started)) >"$TESTDB_BUILD_DIR/.testdb-build-seconds"
}
