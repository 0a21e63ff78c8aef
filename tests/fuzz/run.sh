#!/usr/bin/env bash
# tests/fuzz/run.sh: builds the libFuzzer harnesses of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined; leaks are findings) and runs them on
# the committed seed corpus (tests/fuzz/corpus/HARNESS/) plus the binary seeds
# that gen_seeds.c writes, at most two at a time.
#
#   bash tests/fuzz/run.sh [SECONDS] [HARNESS...]   a campaign: SECONDS per harness
#                                                   (default 600), every harness
#                                                   by default
#   bash tests/fuzz/run.sh --ci                     CI: every harness for 7 s, with a
#                                                   fixed libFuzzer seed
#
# Harnesses: scenario chip set dvs nir runfile db. New corpus entries go to
# build-fuzz/corpus/HARNESS/ (fold them into the committed corpus with
# `build-fuzz/fuzz_HARNESS -merge=1 tests/fuzz/corpus/HARNESS build-fuzz/corpus/HARNESS`),
# logs to build-fuzz/HARNESS.log, crashing, leaking or hanging inputs to
# build-fuzz/artifacts/HARNESS-*. Exit 0 if no harness found anything, 1
# otherwise (each reproducer's path is printed; replay one with
# `build-fuzz/fuzz_HARNESS FILE`). Installs clang and its runtimes if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

all=(scenario chip set dvs nir runfile db)
ci=0
secs=600
if [ "${1:-}" = --ci ]; then
  ci=1
  secs=7
  shift
elif [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  secs=$1
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/fuzz_$t.c" ] || { echo "fuzz: no harness '$t' (have: ${all[*]})" >&2; exit 2; }
done

NMSIM_FUZZ=1 bash scripts/setup.sh   # the libraries' headers, clang, libFuzzer

out=build-fuzz
mkdir -p "$out/obj" "$out/artifacts" "$out/corpus"

# The library's sources: the CMakeLists globs, less the CLI's main and the MPI
# transport (sim/mpi/mpi_stub.c stands in), plus the embedded chip presets.
mapfile -t srcs < <(ls sim/*/*.c cores/*.c noc/*.c models/*.c analysis/*.c |
  grep -v -e '^sim/cli/main\.c$' -e '^sim/mpi/mpi_comm\.c$')
presets=$out/chip_presets.c
cmake -DCHIP_DIR="$PWD/scenarios/chips" -DOUT="$PWD/$presets" -P cmake/embed_chips.cmake
srcs+=("$presets")

read -r -a pc_cflags <<<"$(pkg-config --cflags hdf5 gsl libfyaml sqlite3 liblz4 libzstd zlib)"
read -r -a libs <<<"$(pkg-config --libs hdf5 gsl libfyaml sqlite3 liblz4 libzstd zlib)"
cflags=(-gline-tables-only -O1 -std=c11 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -DNMSIM_BUILDING
  -DNMSIM_VERSION_STRING=\"fuzz\" -DNMSIM_SOURCE_DIR=\"$PWD\" -I. -Iinclude "${pc_cflags[@]}"
  -fno-omit-frame-pointer)
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

# Library objects, instrumented for coverage (fuzzer-no-link), built once and
# again when a source or any header is newer.
newest_h=$(ls -t include/nmsim/*.h sim/*/*.h cores/*.h noc/*.h models/*.h analysis/*.h \
  tests/fuzz/*.h tests/*.h | head -1)
objs=()
todo=()
for s in "${srcs[@]}"; do
  o=$out/obj/$(echo "$s" | tr / _).o
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then todo+=("$s"); fi
done
if [ ${#todo[@]} -gt 0 ]; then
  echo "fuzz: compiling ${#todo[@]} library sources" >&2
  printf '%s\n' "${todo[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    's=$1; o='"$out"'/obj/$(echo "$s" | tr / _).o; shift; exec "$@" -c "$s" -o "$o"' \
    _ {} clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link
fi
rm -f "$out/libnmsim-fuzz.a"
ar rcs "$out/libnmsim-fuzz.a" "${objs[@]}"

# Binary seeds (DVS recordings, NIR graphs, run files, a results database)
clang "${cflags[@]}" "${san[@]}" tests/fuzz/gen_seeds.c "$out/libnmsim-fuzz.a" "${libs[@]}" \
  -lm -o "$out/gen_seeds"
rm -rf "$out/seeds"
ASAN_OPTIONS=detect_leaks=1 "$out/gen_seeds" "$out/seeds" >/dev/null
for f in "$out"/seeds/runfile/*.h5; do # repacked: a third of the size
  h5repack "$f" "$f.tmp" && mv "$f.tmp" "$f"
done

for t in "${targets[@]}"; do
  clang "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" \
    "$out/libnmsim-fuzz.a" "${libs[@]}" -lm -o "$out/fuzz_$t"
done

# One harness for $secs seconds. A finding in a system library (libhdf5,
# libfyaml, SQLite: see classify.awk) is reported as upstream, its reproducer
# kept in build-fuzz/upstream/, and the harness goes on for the time left (in
# CI with the next fixed seed); a finding in nmsim stops it and fails.
run() {
  local t=$1 corpus=$out/corpus/$1 seeds=() opts=()
  mkdir -p "$corpus" "$out/upstream"
  [ -d "tests/fuzz/corpus/$t" ] && seeds+=("tests/fuzz/corpus/$t")
  [ -d "$out/seeds/$t" ] && seeds+=("$out/seeds/$t")
  case $t in
    scenario | chip | set) opts+=(-max_len=8192 -dict=tests/fuzz/yaml.dict) ;;
    dvs) opts+=(-max_len=65536) ;;
    *) opts+=(-max_len=131072) ;;
  esac
  local asan=detect_leaks=1
  rm -f "$out/artifacts/$t-"* "$out/$t.log"
  local start=$SECONDS end=$((SECONDS + secs)) iter=0 runs=0 n rc left upstream=0 a cls
  while left=$((end - SECONDS)); [ "$left" -gt 0 ]; do
    iter=$((iter + 1))
    local seed=()
    [ $ci = 1 ] && seed=(-seed="$iter" -timeout=5) # last: these win
    rc=0
    ASAN_OPTIONS=$asan LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp:print_suppressions=0 \
      "$out/fuzz_$t" "$corpus" "${seeds[@]}" "${opts[@]}" -timeout=10 \
      -max_total_time="$left" -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t-" "${seed[@]}" >"$out/$t.log.$iter" 2>&1 || rc=$?
    cat "$out/$t.log.$iter" >>"$out/$t.log"
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log.$iter" | awk '{print $2}' | tail -1)
    runs=$((runs + ${n:-0}))
    [ $rc = 0 ] && { rm -f "$out/$t.log.$iter"; break; }
    cls=$(awk -f tests/fuzz/classify.awk "$out/$t.log.$iter")
    # an out-of-memory: replay its input alone, with a ceiling on one
    # allocation instead of on the process (so that one huge request shows
    # its stack). Passing alone, it was memory gathered over many inputs
    # (libhdf5's leaks after decode errors, lsan.supp), not this input's;
    # else the replay's stack says whose it is.
    if [ "${cls%% *}" = nmsim ] && grep -q 'ERROR: libFuzzer: out-of-memory' "$out/$t.log.$iter"; then
      for a in "$out/artifacts/$t-oom-"*; do
        [ -e "$a" ] || continue
        if ASAN_OPTIONS=$asan:max_allocation_size_mb=2048 \
          LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp:print_suppressions=0 \
          "$out/fuzz_$t" -rss_limit_mb=0 -malloc_limit_mb=0 "$a" >"$out/$t.replay.log" 2>&1; then
          cls="upstream libhdf5 (memory gathered over many inputs; the input alone passes)"
        else
          cls=$(awk -f tests/fuzz/classify.awk "$out/$t.replay.log")
        fi
      done
    fi
    if [ "${cls%% *}" = upstream ]; then
      upstream=$((upstream + 1))
      for a in "$out/artifacts/$t-"*; do
        [ -e "$a" ] || continue
        mv "$a" "$out/upstream/"
        echo "fuzz_$t: upstream finding in ${cls#* } ($(grep -m1 -o -E 'ERROR: [A-Za-z]+: [A-Za-z-]+( [a-z-]+)?' "$out/$t.log.$iter")), not counted: $out/upstream/$(basename "$a") (log $out/$t.log.$iter)"
      done
      continue
    fi
    echo "fuzz_$t: FAILED (exit $rc) after $((SECONDS - start)) s: $(grep -m1 -E '^==[0-9]+== ?ERROR|^SUMMARY' "$out/$t.log.$iter" || true)"
    for a in "$out/artifacts/$t-"*; do
      [ -e "$a" ] && echo "  reproducer: $a (replay: $out/fuzz_$t $a)"
    done
    echo "  log: $out/$t.log.$iter"
    return 1
  done
  echo "fuzz_$t: $((SECONDS - start)) s, $runs runs, no finding in nmsim ($upstream upstream)"
}

fail=0
pids=()
for t in "${targets[@]}"; do
  run "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
