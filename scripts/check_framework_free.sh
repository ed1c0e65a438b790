#!/usr/bin/env bash
# The core knows no test framework: no file of harness/ outside
# harness/adapters/, and no public header but an adapter's own, may include a
# header of Catch2 (v2 or v3), GoogleTest or GoogleMock. Adapters translate
# framework events into testdb/lifecycle.hpp; the core must stay usable from
# any of them.
#
#   bash scripts/check_framework_free.sh [ROOT]
set -euo pipefail
ROOT="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](catch2/|catch\.hpp|gtest/|gmock/)'
# Adapter headers: each belongs to its adapter, not to the core.
adapter_headers='include/testdb/(catch2|catch2v3|gtest|catch)\.hpp$'
found=$(cd "$ROOT" && grep -rnE "$pattern" harness include \
          --include='*.hpp' --include='*.cpp' --include='*.h' \
        | grep -v '^harness/adapters/' | grep -vE "^${adapter_headers%\$}:" || true)
if [[ -n "$found" ]]; then
  echo "check_framework_free: the core includes a test framework's header:" >&2
  echo "$found" >&2
  echo "Fix: move that code into an adapter under harness/adapters/, or reach the core" \
       "through testdb/lifecycle.hpp." >&2
  exit 1
fi
count=$(cd "$ROOT" && find harness include -name '*.[ch]pp' -not -path 'harness/adapters/*' | wc -l)
echo "check_framework_free: $count core files include no test framework header"
