#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer: scripts/sanitize.sh thread|address
# The package (daemon included) is built sanitized into .build-<sanitizer>, and the end-to-end
# tests spawn that sanitized daemon (SWITCHBOARD_BIN). A sanitizer report in the daemon makes it
# exit non-zero, which the tests check.
#
# LeakSanitizer is off (detect_leaks=0): at exit it reports objects that XCTest, Foundation and
# libcurl never free (the HTTP engine's event loop and its libcurl handles live as long as the
# process); memory growth is measured by bench/soak.py instead.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh thread|address}
case "$kind" in
  thread) scratch=.build-tsan ;;
  address) scratch=.build-asan ;;
  *) echo "usage: scripts/sanitize.sh thread|address" >&2; exit 2 ;;
esac
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0"
export TSAN_OPTIONS="halt_on_error=1"
export SWITCHBOARD_BIN="$PWD/$scratch/debug/switchboard"
export SWITCHBOARD_SANITIZED="$kind"
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
swift test --skip-build --sanitize="$kind" --scratch-path "$scratch"
