#!/usr/bin/env bash
# Makes docs/report-timeout.png, the README's picture of the HTML report: a
# real run of the bad suite's [long-path] cases (three leases held, a fourth
# caller runs into PoolTimeout after 1 s), rendered by headless Chromium.
#
#   scripts/report_screenshot.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
source scripts/common.sh
install_missing chromium
cmake --build "$BUILD_DIR" -j2 --target harness_bad_suite >/dev/null
suite=$(find "$BUILD_DIR" -type f -name harness_bad_suite -perm -u+x | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The suite fails on purpose (PoolTimeout, a kept lease): only the page counts.
env -u DATABASE_URL_TEST TESTDB_POOL_TIMEOUT=1 TESTDB_REPORT_HTML="$work/timeout.html" \
  "$suite" '[long-path]' >"$work/suite.log" 2>&1 || true
test -s "$work/timeout.html" || { cat "$work/suite.log"; exit 1; }
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1160,640 \
  --screenshot="$work/shot.png" "file://$work/timeout.html" >/dev/null 2>&1
cp "$work/shot.png" docs/report-timeout.png
say "wrote docs/report-timeout.png ($(stat -c %s docs/report-timeout.png) bytes)"
