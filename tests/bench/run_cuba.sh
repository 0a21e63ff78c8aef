#!/usr/bin/env bash
# CUBA benchmark: nmsim against Brian2 2.5 (C++ standalone) on the same
# network, in one run. nmsim runs in network mode (the network alone, no chip)
# at every N, with its neuron update alone (no synapses) beside it, and
# functional and chip-timed modes (the loihi preset on a board big enough for
# it) up to N = $NMSIM_CUBA_CHIP_MAX (default 16000: beyond it
# the board grows to hundreds of chips). Prints, per N and run: the run's
# wall time (the simulation loop, as Brian2's own run time; the process's
# total, with building the network, in brackets), synaptic events per second
# of the loop, peak memory and bytes per synapse (whole process), the mean
# rate, and the ratio of loop times nmsim / Brian2. With --threads T both
# run on T threads: Brian2 with T OpenMP threads, nmsim with --threads T (in
# network mode the threads share each large population's neuron update; in
# functional and timed mode they split the board, as MPI ranks would).
# Usage: tests/bench/run_cuba.sh [--threads T] [SECONDS] [N ...]
#        (default: 1 thread, 10 s, N = 4000)
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=1
if [ "${1:-}" = --threads ]; then
  threads=${2:-}
  if ! [[ "$threads" =~ ^[0-9]+$ ]] || [ "$threads" -lt 1 ] || [ "$threads" -gt 256 ]; then
    echo "run_cuba.sh: --threads: expected a whole number from 1 to 256, got '$threads'" >&2
    exit 2
  fi
  shift 2
fi
seconds=${1:-10}; shift || true
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(4000)
if ! [[ "$seconds" =~ ^[0-9]+([.][0-9]+)?$ ]] || [ "$(python3 -c "print(int(float('$seconds') > 0))")" != 1 ]; then
  echo "run_cuba.sh: SECONDS: expected a positive number of seconds of model time, got '$seconds'" >&2
  exit 2
fi
for n in "${sizes[@]}"; do
  if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 80 ]; then
    echo "run_cuba.sh: N: expected a whole number of neurons, at least 80 (the fan-out), got '$n'" >&2
    exit 2
  fi
done
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
chip_max=${NMSIM_CUBA_CHIP_MAX:-16000}
echo "threads: $threads (Brian2 OpenMP, nmsim --threads)"
printf '%-22s %8s %17s %13s %9s %7s %9s %9s\n' "run" "N" "loop s (total)" "syn ev/s" "peak MiB" "B/syn" "rate Hz" "x Brian2"
for n in "${sizes[@]}"; do
  ne=$((n * 4 / 5)); ni=$((n - ne))
  p=$(python3 -c "print(80.0 / $n)")
  # A board big enough for the Loihi limits: with 80 random sources per neuron a
  # core holds about 4096 / 80 = 51 neurons (fan-in), 128 cores a chip.
  side=$(python3 -c "import math; print(max(1, math.ceil(math.sqrt($n / 45.0 / 128))))")
  /usr/bin/time -f '%M %e' -o "$work/b.mem" /usr/bin/python3 tests/bench/cuba_brian2.py "$n" "$seconds" standalone "$work/brian" "$threads" 2>/dev/null | tail -1 > "$work/b.json"
  read -r b_wall b_rate b_syn b_nsyn < <(python3 -c "
import json; d = json.load(open('$work/b.json'))
print(d['run_s'], d['rate_hz'], d['spikes'] * 80 / d['run_s'], d['synapses'])")
  read -r b_kb b_total < "$work/b.mem"
  b_mem=$((b_kb / 1024))
  printf '%-22s %8d %8.3f (%6.1f) %13.3e %9d %7.1f %9.3f %9s\n' "brian2 C++ standalone" "$n" "$b_wall" "$b_total" "$b_syn" "$b_mem" \
    "$(python3 -c "print($b_kb * 1024 / $b_nsyn)")" "$b_rate" "1.00"
  # "update only": network mode with no synapses, the neuron update alone (the
  # floor of any run of this network: its ratio to Brian2's whole run bounds
  # how much faster nmsim can be, whatever the synapses cost)
  modes=(network update)
  [ "$n" -le "$chip_max" ] && modes+=(functional timed)
  for mode in "${modes[@]}"; do
    pm=$p em=$mode
    [ "$mode" = update ] && pm=0 em=network
    sets=(--set steps="$steps" --set engine.mode="$em" --set populations.exc.size="$ne"
          --set populations.inh.size="$ni" --set "chips=[$side, $side]")
    for k in 0 1 2 3; do sets+=(--set "projections[$k].connector.fixed_probability=$pm"); done
    NMSIM_PART_STATS=1 /usr/bin/time -f '%M %e' -o "$work/n.mem" ./build-bench/nmsim run tests/bench/cuba.yaml "${sets[@]}" --threads "$threads" --json --quiet > "$work/n.json" 2> "$work/n.err"
    loop=$(sed -n 's/^rank 0: run \([0-9.]*\) s.*/\1/p' "$work/n.err")
    read -r kb total < "$work/n.mem"
    read -r rate syn nsyn < <(python3 -c "
import json; d=json.load(open('$work/n.json'))
sp=sum(p['spikes'] for p in d['populations'].values()); n=sum(p['size'] for p in d['populations'].values())
print(sp / n / $seconds, d['counts']['synaptic_ops'], $b_nsyn)")
    label="nmsim $mode"; [ "$mode" = update ] && label="nmsim update only"
    printf '%-22s %8d %8.3f (%6.1f) %13.3e %9d %7.1f %9.3f %9.2f\n' "$label" "$n" "$loop" "$total" \
      "$(python3 -c "print($syn / $loop)")" "$((kb / 1024))" "$(python3 -c "print($kb * 1024 / $nsyn)")" "$rate" \
      "$(python3 -c "print($loop / $b_wall)")"
    [ "$mode" = network ] && n_rate=$rate
  done
  python3 -c "
b=$b_rate; n=$n_rate
print('# N=$n rates: nmsim %.3f Hz, Brian2 %.3f Hz, difference %.1f %% (limit 10 %%)' % (n, b, 100 * abs(n - b) / b))
assert abs(n - b) / b <= 0.10, 'the mean rates differ by more than 10 %'"
done
