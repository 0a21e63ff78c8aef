#!/usr/bin/env bash
# Installs what is missing, builds nmsim (optimised), and runs the bundled
# quickstart scenario, printing its energy and latency report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p out
./build/nmsim run scenarios/quickstart.yaml -o out/quickstart.h5 "$@"
echo "run file: out/quickstart.h5 (nmsim report out/quickstart.h5 --json)"
