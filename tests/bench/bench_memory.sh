#!/usr/bin/env bash
# Memory per MPI rank: peak RSS of every rank (the largest printed) for the
# 16-chip board scaled 4x (scenarios/board16.yaml, as tests/bench/bench_mpi.sh
# makes it) and the CUBA network (tests/bench/cuba.yaml) on a board of Loihi
# chips (4 x 4 for 64000 neurons), on 1, 2 and 4 ranks, with the rank-local build (each rank holds
# the synapses, out lists, input rings and neuron state of its own cores) and
# with every rank building the whole system (NMSIM_WHOLE_BUILD=1, what every
# rank did before). Each run's JSON report is compared with the one-process
# run's. Then a network that a memory limit (ulimit -v) keeps from running in
# one process runs on 4 ranks under the same limit.
# Usage: tests/bench/bench_memory.sh [CUBA_NEURONS] [LIMIT_MIB]
#        (defaults 64000 and, for the limit demonstration, 256000 neurons
#        under 1200 MiB of address space a process)
set -euo pipefail
cd "$(dirname "$0")/../.."
n_cuba=${1:-64000}
limit_mib=${2:-1200}
for v in "$n_cuba" "$limit_mib"; do
  if ! [[ "$v" =~ ^[0-9]+$ ]] || [ "$v" -lt 100 ]; then
    echo "bench_memory.sh: CUBA_NEURONS and LIMIT_MIB: expected whole numbers of at least 100, got '$v'" >&2
    exit 2
  fi
done
NMSIM_MPI=1 bash scripts/setup.sh >/dev/null
cmake -S . -B build-bench-mpi -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DNMSIM_MPI=ON >/dev/null
cmake --build build-bench-mpi -j"$(nproc)" --target nmsim_cli >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
bin=build-bench-mpi/nmsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's/size: 1024/size: 4096/; s/size: 256,/size: 1024,/' \
    -e 's/fixed_probability: 0.05}/fixed_probability: 0.0125}/; s/fixed_probability: 0.005}/fixed_probability: 0.00125}/' \
    scenarios/board16.yaml > "$work/board16x4.yaml"

# CUBA of n neurons, fan-out 80, on a square board of loihi chips with room
# for them (about 4000 neurons a chip at this fan-out: fan-in bounds a core)
cuba_args() {
  local n=$1 p side
  p=$(awk -v n="$n" 'BEGIN { printf "%.10g", 80 / n }')
  side=$(awk -v n="$n" 'BEGIN { s = int(sqrt(n / 4000)); if (s * s * 4000 < n) s++; print s }')
  echo "tests/bench/cuba.yaml --set chip=loihi --set chips=[$side,$side] --set engine.mode=functional" \
       "--set populations.exc.size=$((n * 8 / 10)) --set populations.inh.size=$((n - n * 8 / 10))" \
       "--set projections[0].connector.fixed_probability=$p --set projections[1].connector.fixed_probability=$p" \
       "--set projections[2].connector.fixed_probability=$p --set projections[3].connector.fixed_probability=$p"
}

# peak RSS (MiB) of the largest rank: np whole args...
peak() {
  local np=$1 whole=$2
  shift 2
  rm -f "$work"/rss.*
  if [ "$np" = 1 ]; then
    NMSIM_WHOLE_BUILD=$whole /usr/bin/time -f "%M" -o "$work/rss.0" $bin run "$@" --json --quiet \
      > "$work/r.json"
  else
    NMSIM_WHOLE_BUILD=$whole mpirun --oversubscribe -np "$np" \
      sh -c '/usr/bin/time -f "%M" -o "$0/rss.$OMPI_COMM_WORLD_RANK" "$@"' "$work" \
      $bin run "$@" --json --quiet > "$work/r.json"
  fi
  cat "$work"/rss.* | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'
}

echo "machine: $(nproc) cores; peak RSS of the largest rank, MiB (local: the rank-local build;"
echo "whole: every rank builds the whole system, NMSIM_WHOLE_BUILD=1)"
tiny="$(cuba_args 100) --set steps=1 --set populations.exc.size=13 --set populations.inh.size=3 --set chips=[1,1]"
# shellcheck disable=SC2086
echo "floor (16 neurons): $(peak 1 0 $tiny) MiB in one process, $(peak 4 0 $tiny) MiB a rank of 4"
printf "%-34s %6s %6s %6s %6s %6s   %s\n" workload "1" "2 loc" "2 whole" "4 loc" "4 whole" "reports"
for w in board16x4 cuba; do
  if [ $w = board16x4 ]; then
    args="$work/board16x4.yaml --set steps=20 --set engine.mode=functional"
    name="board16 x4 (functional, 20 steps)"
  else
    args="$(cuba_args "$n_cuba") --set steps=20"
    name="CUBA $n_cuba on loihi board (20 st)"
  fi
  # shellcheck disable=SC2086
  one=$(peak 1 0 $args); cp "$work/r.json" "$work/one.json"
  same=identical
  row=""
  for np in 2 4; do
    for whole in 0 1; do
      # shellcheck disable=SC2086
      row="$row $(printf "%6s" "$(peak $np $whole $args)")"
      cmp -s "$work/one.json" "$work/r.json" || same="DIFFER ($np ranks, whole=$whole)"
    done
  done
  printf "%-34s %6s%s   %s\n" "$name" "$one" "$row" "$same"
done

n_big=256000
echo
echo "under ulimit -v $limit_mib MiB a process: CUBA $n_big (fan-out 80) on an 8 x 8 loihi board, 20 steps"
# shellcheck disable=SC2046
if (ulimit -v $((limit_mib * 1024)); $bin run $(cuba_args $n_big) --set steps=20 --json --quiet \
      > "$work/big1.json" 2> "$work/big1.err"); then
  echo "  1 process: ran (raise N or lower the limit for the demonstration)"
else
  echo "  1 process: failed: $(tail -1 "$work/big1.err" | cut -c1-160)"
fi
# shellcheck disable=SC2046
if (ulimit -v $((limit_mib * 1024)); mpirun --oversubscribe -np 4 $bin run $(cuba_args $n_big) \
      --set steps=20 --json --quiet > "$work/big4.json" 2> "$work/big4.err"); then
  echo "  4 ranks: ran, $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["counts"]["spikes"], "spikes,", r["mapping"] and len(r["mapping"]), "mapping rows")' "$work/big4.json")"
else
  echo "  4 ranks: failed: $(tail -1 "$work/big4.err" | cut -c1-160)"
fi
