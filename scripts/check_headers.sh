#!/usr/bin/env bash
# Compiles each public header of include/testdb alone (one translation unit
# that includes only it) against libpqxx 8 as C++20 with clang 19 and libc++,
# warnings as errors: proves the headers name nothing libpqxx 8 retired and
# include what they use.
#
#   bash scripts/check_headers.sh LIBPQXX8_PREFIX
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PQXX_PREFIX="${1:?usage: check_headers.sh <libpqxx 8 install prefix>}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -stdlib=libc++ -fsyntax-only -Wall -Wextra -Wpedantic -Werror
       -I"$ROOT/include" -I"$PQXX_PREFIX/include" $(pkg-config --cflags libpq))
for header in "$ROOT"/include/testdb/*.hpp; do
  name="$(basename "$header" .hpp)"
  printf '#include "testdb/%s.hpp"\n' "$name" >"$work/$name.cpp"
done
if ! ls "$work"/*.cpp | xargs -P "${JOBS:-2}" -n 1 clang++-19 "${flags[@]}"; then
  echo "check_headers: a public header does not compile alone against libpqxx 8 (above)" >&2
  exit 1
fi
echo "check_headers: $(ls "$work"/*.cpp | wc -l) public headers compile alone against libpqxx 8.0.1 (C++20, libc++)"
