#!/usr/bin/env bash
# CUBA benchmark: nmsim (functional and chip-timed modes) against Brian2 2.5
# (C++ standalone, or cython with --cython) on the same network, in one run.
# Prints, per N: wall time of the run, synaptic events per second, peak
# memory, mean rate, and the ratio nmsim / Brian2.
# Usage: tests/bench/run_cuba.sh [SECONDS] [N ...]     (default: 10 s, N = 4000)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}; shift || true
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(4000)
export DEBIAN_FRONTEND=noninteractive
need=()
dpkg-query -W -f='${Status}' python3-brian 2>/dev/null | grep -q "ok installed" || need+=(python3-brian)
dpkg-query -W -f='${Status}' time 2>/dev/null | grep -q "ok installed" || need+=(time)
dpkg-query -W -f='${Status}' g++ 2>/dev/null | grep -q "ok installed" || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; fi
bash scripts/setup.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DNMSIM_BENCH=ON >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
steps=$(python3 -c "print(int(round($seconds / 1e-4)))")
printf '%-22s %8s %10s %14s %10s %9s %9s\n' "run" "N" "wall s" "syn events/s" "peak MiB" "rate Hz" "x Brian2"
for n in "${sizes[@]}"; do
  ne=$((n * 4 / 5)); ni=$((n - ne))
  p=$(python3 -c "print(80.0 / $n)")
  # A board big enough for the Loihi limits: with 80 random sources per neuron a
  # core holds about 4096 / 80 = 51 neurons (fan-in), 128 cores a chip.
  side=$(python3 -c "import math; print(max(1, math.ceil(math.sqrt($n / 45.0 / 128))))")
  /usr/bin/time -f '%M' -o "$work/b.mem" /usr/bin/python3 tests/bench/cuba_brian2.py "$n" "$seconds" standalone "$work/brian" 2>/dev/null | tail -1 > "$work/b.json"
  b_wall=$(python3 -c "import json;print(json.load(open('$work/b.json'))['run_s'])")
  b_rate=$(python3 -c "import json;print(json.load(open('$work/b.json'))['rate_hz'])")
  b_syn=$(python3 -c "import json;d=json.load(open('$work/b.json'));print(d['spikes']*80/d['run_s'])")
  b_mem=$(($(cat "$work/b.mem") / 1024))
  printf '%-22s %8d %10.3f %14.3e %10d %9.3f %9s\n' "brian2 C++ standalone" "$n" "$b_wall" "$b_syn" "$b_mem" "$b_rate" "1.00"
  for mode in functional timed; do
    sets=(--set steps="$steps" --set engine.mode="$mode" --set populations.exc.size="$ne"
          --set populations.inh.size="$ni" --set "chips=[$side, $side]")
    for k in 0 1 2 3; do sets+=(--set "projections[$k].connector.fixed_probability=$p"); done
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/n.mem" ./build-bench/nmsim run tests/bench/cuba.yaml "${sets[@]}" --json --quiet > "$work/n.json"
    end=$(date +%s.%N)
    wall=$(python3 -c "print($end - $start)")
    read -r rate syn < <(python3 -c "
import json; d=json.load(open('$work/n.json'))
sp=sum(p['spikes'] for p in d['populations'].values()); n=sum(p['size'] for p in d['populations'].values())
print(sp / n / $seconds, d['counts']['synaptic_ops'])")
    mem=$(($(cat "$work/n.mem") / 1024))
    printf '%-22s %8d %10.3f %14.3e %10d %9.3f %9.2f\n' "nmsim $mode" "$n" "$wall" \
      "$(python3 -c "print($syn / $wall)")" "$mem" "$rate" "$(python3 -c "print($wall / $b_wall)")"
  done
  python3 -c "
b=$b_rate; n=$rate
print('# rates: nmsim %.3f Hz, Brian2 %.3f Hz, difference %.1f %%' % (n, b, 100 * abs(n - b) / b))"
done
