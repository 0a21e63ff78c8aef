#!/usr/bin/env bash
# Installs what is missing, builds nmsim and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (warnings are errors when CI=true), and runs every
# test. Tests on ../shared data are registered when that folder is present.
# With NMSIM_MPI=1 the build includes MPI and its tests (Open MPI is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# NMSIM_MPI=1: also build the MPI runs (-DNMSIM_MPI=ON) and their test
mpi=OFF
[ "${NMSIM_MPI:-0}" = 1 ] && mpi=ON
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DNMSIM_SANITIZE=ON -DBUILD_TESTING=ON \
  -DNMSIM_MPI="$mpi"
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
