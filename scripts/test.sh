#!/usr/bin/env bash
# Installs what is missing, builds nmsim and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (warnings are errors when CI=true), and runs every
# test. Tests on ../shared data are registered when that folder is present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DNMSIM_SANITIZE=ON -DBUILD_TESTING=ON
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
