#!/usr/bin/env bash
# Installs what nmsim needs to build and test, with apt-get (Debian package names).
# Safe to run again: packages already present are left alone.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config
  libgsl-dev          # random streams, statistics
  libhdf5-dev hdf5-tools  # traces (C API) and h5dump/h5ls for tests
  libsqlite3-dev      # results database
  zlib1g-dev          # compressed inputs
  liblz4-dev libzstd-dev  # AEDAT 4.0 (DVS) packets
  libfyaml-dev        # scenario and chip files (YAML, with line/column marks)
  libcriterion-dev    # unit tests
  python3-h5py python3-numpy python3-matplotlib  # analysis/plot.py, the Python module; tests read run files with h5py
  python3-pytest      # the Python module's tests (tests/python)
  bsdutils            # script(1): the progress-line test runs nmsim on a pseudo-terminal
)
# The optional MPI build (cmake -DNMSIM_MPI=ON; mpirun -np N nmsim run ...) needs
# Open MPI: installed only when NMSIM_MPI=1 is set, so the plain build never
# depends on it.
if [ "${NMSIM_MPI:-0}" = 1 ]; then
  pkgs+=(libopenmpi-dev openmpi-bin)
fi
# The fuzz harnesses (tests/fuzz/run.sh) need clang and its runtime libraries
# (libFuzzer, ASan/UBSan/LeakSanitizer for clang): installed only when
# NMSIM_FUZZ=1 is set.
if [ "${NMSIM_FUZZ:-0}" = 1 ]; then
  pkgs+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
