#!/usr/bin/env bash
# Every test: install dependencies, build (warnings as errors), run the whole
# suite on a real Docker engine, then all of it again built with
# AddressSanitizer + UndefinedBehaviorSanitizer, with each fuzzer for a bounded time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash install/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (Release, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build (ASan + UBSan, clang, fuzz targets)"
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSP_WERROR=ON \
	-DSP_SANITIZE=ON -DSP_FUZZ=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== every test again under sanitizers (hooks and worker included), and the fuzzers"
# But engine tests whose C paths the others already run under the
# sanitizers (the documented commands, and the tenancy settings of the same
# deploy; the swarm backend behind the front door and on a second node, whose
# code e2e/swarm and unit/backend_swarm run): the engine tests run one at a
# time, and these are the longest.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir build-asan --output-on-failure -j "$jobs" \
	-E '^e2e/(docs_commands|tenancy|swarm_frontdoor|swarm_nodes)$'
echo "== all tests passed"
