# Builds upstream release archives (libpqxx 7/8, Catch2 3) into a
# cache outside the clone, one install prefix per archive content:
#   $TESTDB_DEPS_CACHE/<archive-stem>-<first 16 hex of its sha256>/
# A prefix is reused only when complete: the build installs into a staging
# directory and renames it into place as its last step, so a killed build
# leaves nothing that looks finished. Source it; do not run it.
#
#   TESTDB_DEPS_DIR    where the archives are (default <repo>/../shared/deps)
#   TESTDB_DEPS_CACHE  where the builds go   (default /var/cache/testdb-deps,
#                      or ~/.cache/testdb-deps when that is not writable)

TESTDB_DEPS_DIR="${TESTDB_DEPS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/deps}"
if [ -z "${TESTDB_DEPS_CACHE:-}" ]; then
  if mkdir -p /var/cache/testdb-deps 2>/dev/null && [ -w /var/cache/testdb-deps ]; then
    TESTDB_DEPS_CACHE=/var/cache/testdb-deps
  else
    TESTDB_DEPS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/testdb-deps"
  fi
fi

# dep_prefix ARCHIVE_NAME: prints the cache prefix the archive installs into.
dep_prefix() {
  local archive="$TESTDB_DEPS_DIR/$1"
  local hash stem
  hash="$(sha256sum "$archive" | cut -c1-16)"
  stem="$(basename "$1" .tar.gz)"
  printf '%s/%s-%s\n' "$TESTDB_DEPS_CACHE" "$stem" "$hash"
}

# build_dep ARCHIVE_NAME [CMAKE_ARGS...]: configures, builds and installs the
# archive's CMake project (Release, -j${JOBS:-2}) unless its prefix already
# exists; prints the prefix on stdout as its last line, build output on stderr.
build_dep() {
  local name="$1"; shift
  local archive="$TESTDB_DEPS_DIR/$name"
  if [ ! -f "$archive" ]; then
    echo "build_dep: $archive not found (set TESTDB_DEPS_DIR to the directory holding $name)" >&2
    return 1
  fi
  local prefix
  prefix="$(dep_prefix "$name")"
  if [ -d "$prefix" ]; then
    echo "build_dep: $name: cached in $prefix" >&2
    printf '%s\n' "$prefix"
    return 0
  fi
  mkdir -p "$TESTDB_DEPS_CACHE"
  local work
  work="$(mktemp -d "$TESTDB_DEPS_CACHE/.build-XXXXXX")"
  echo "build_dep: $name: building into $prefix (work dir $work)" >&2
  tar -xzf "$archive" -C "$work"
  local src
  src="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n1)"
  # Installed with its final prefix baked in (pkg-config files, CMake
  # packages) but staged under DESTDIR, then renamed into place in one step.
  if cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
           -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib "$@" >&2 &&
     cmake --build "$work/build" -j "${JOBS:-2}" >&2 &&
     DESTDIR="$work/stage" cmake --install "$work/build" >&2 &&
     { mv -T "$work/stage$prefix" "$prefix" 2>/dev/null || [ -d "$prefix" ]; }; then
    # (A build running beside this one may have renamed its copy in first.)
    rm -rf "$work"
    printf '%s\n' "$prefix"
  else
    echo "build_dep: $name: build failed; work dir kept in $work" >&2
    return 1
  fi
}

# Stale work dirs of killed builds are never reused; remove them.
clean_dep_work_dirs() {
  find "$TESTDB_DEPS_CACHE" -mindepth 1 -maxdepth 1 -name '.build-*' -mmin +240 -exec rm -rf {} + 2>/dev/null || true
}

# Catch2 v3 for the testdb::catch2v3 adapter. Its console width is compiled
# into its library: 200 columns, so a holder's long file:line stays whole.
CATCH2V3=Catch2-3.7.1.tar.gz

# catch2v3_cmake_args: builds Catch2 v3 into the cache (once per archive) and
# prints the CMake argument that gives testdb its prefix. Without the archive
# it prints the argument that turns the adapter off and says so in one line
# on stderr; with TESTDB_REQUIRE_DEPS=1 (CI) the missing archive fails instead.
catch2v3_cmake_args() {
  if [ ! -f "$TESTDB_DEPS_DIR/$CATCH2V3" ]; then
    local why="no $CATCH2V3 in $TESTDB_DEPS_DIR (a fresh clone has no upstream archives); set TESTDB_DEPS_DIR to the directory holding it"
    if [ "${TESTDB_REQUIRE_DEPS:-0}" = 1 ]; then
      echo "catch2v3: FAILED: $why (TESTDB_REQUIRE_DEPS=1)" >&2
      return 1
    fi
    echo "catch2v3: skipped (the Catch2 v3 adapter, its suites and consumer test): $why" >&2
    echo "-DTESTDB_CATCH2V3_DIR="
    return 0
  fi
  local prefix
  prefix="$(build_dep "$CATCH2V3" -DCATCH_INSTALL_DOCS=OFF -DCATCH_BUILD_TESTING=OFF \
            -DCATCH_CONFIG_CONSOLE_WIDTH=200 | tail -n1)" || return 1
  echo "-DTESTDB_CATCH2V3_DIR=$prefix"
}
