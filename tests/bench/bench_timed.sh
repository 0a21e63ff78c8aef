#!/usr/bin/env bash
# Chip-timed speed where users run it: the bundled workloads in timed mode
# (quickstart, nir_cnn_nmnist, multichip, board16, and CUBA with 16000
# neurons on a Loihi board), one after the other, each with the current
# build and, when asked, with the build of another commit in the same call
# (a worktree built beside; the same scenario files, the current ones).
# Prints per workload and build: wall seconds of the whole run (median of
# RUNS), wall time per step, synaptic events per second, the hardware time
# the run predicts and the slowdown (wall / predicted hardware time), and
# the ratio of the other build's wall time to this one's.
# Usage: tests/bench/bench_timed.sh [--runs N] [--threads N] [--vs REV]
#   e.g.  tests/bench/bench_timed.sh --vs c3c12d7
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=3 threads=1 vs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    --vs) vs=${2:?}; shift 2 ;;
    *) echo "bench_timed.sh: unknown argument '$1'; usage: [--runs N] [--threads N] [--vs REV]" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench_timed.sh: --runs expects a whole number >= 1, got '$runs'" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "bench_timed.sh: --threads expects a whole number >= 1, got '$threads'" >&2; exit 2; }
bash scripts/setup.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target nmsim_cli >/dev/null
work=$(mktemp -d)
cleanup() {
  [ -n "$vs" ] && git worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
base=""
if [ -n "$vs" ]; then
  git worktree add -q --detach "$work/base" "$vs"
  cmake -S "$work/base" -B "$work/base/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$work/base/build" -j"$(nproc)" --target nmsim_cli >/dev/null
  base="$work/base/build/nmsim"
fi
# name | scenario | --set overrides
workloads=(
  "quickstart|scenarios/quickstart.yaml|"
  "nir_cnn_nmnist|scenarios/nir_cnn_nmnist.yaml|"
  "multichip|scenarios/multichip.yaml|"
  "board16|scenarios/board16.yaml|"
  "cuba16k_board|tests/bench/cuba.yaml|--set engine.mode=timed --set populations.exc.size=12800 --set populations.inh.size=3200 --set projections[0].connector.fixed_probability=0.005 --set projections[1].connector.fixed_probability=0.005 --set projections[2].connector.fixed_probability=0.005 --set projections[3].connector.fixed_probability=0.005 --set 'chips=[2, 2]' --set steps=2000"
)
# the median wall seconds of $runs runs of "$@" (the JSON of the last in $work/out.json)
median_wall() {
  local t=()
  for ((i = 0; i < runs; i++)); do
    local s e
    s=$(date +%s.%N)
    "$@" > "$work/out.json"
    e=$(date +%s.%N)
    t+=("$(python3 -c "print($e - $s)")")
  done
  printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
printf '%-15s %-6s %9s %11s %12s %12s %10s %9s\n' workload build "wall s" "ms/step" "syn ev/s" "hw time s" slowdown "x other"
for w in "${workloads[@]}"; do
  IFS='|' read -r name scn sets <<< "$w"
  for which in this other; do
    bin=./build-bench/nmsim
    [ "$which" = other ] && { [ -n "$base" ] || continue; bin=$base; }
    extra=()
    [ "$threads" -gt 1 ] && [ "$which" = this ] && extra=(--threads "$threads")
    if ! wall=$(eval median_wall "$bin" run "$scn" "$sets" --json --quiet "${extra[@]}" 2>"$work/err"); then
      printf '%-15s %-6s %s\n' "$name" "$which" "failed: $(head -c 200 "$work/err")"
      continue
    fi
    [ "$which" = this ] && this_wall=$wall
    python3 - "$work/out.json" "$name" "$which" "$wall" "${this_wall:-$wall}" <<'PY'
import json, sys
path, name, which, wall, this_wall = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
d = json.load(open(path))
steps = d["steps"]
syn = d["counts"]["synaptic_ops"]
hw = d["latency_ns"]["total"] * 1e-9 if isinstance(d.get("latency_ns"), dict) else float("nan")
ratio = "" if which == "this" else "%.2f" % (wall / this_wall)
print("%-15s %-6s %9.3f %11.4f %12.3g %12.4g %10.0f %9s" % (name, which, wall, 1e3 * wall / steps,
      syn / wall, hw, wall / hw, ratio))
PY
  done
done
