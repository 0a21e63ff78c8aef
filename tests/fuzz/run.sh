#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...]: builds the libFuzzer target of each
# DVS reader with clang (-fsanitize=fuzzer,address,undefined) and runs each for
# SECONDS (default 60), two at a time, with the ../shared samples and small
# spec-built files as seed corpus. Installs clang if it is missing. Targets:
# aedat2 aedat3 aedat4 nmnist evt2 evt3 dat auto gzip (default: all).
# Exit 0 if no target found a crash; crashing inputs go to build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aedat2 aedat3 aedat4 nmnist evt2 evt3 dat auto gzip)

bash scripts/setup.sh   # zlib, liblz4, libzstd headers
if ! command -v clang >/dev/null; then
  echo "fuzz: installing clang" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang >/dev/null
fi

out=build-fuzz
mkdir -p "$out/seeds" "$out/artifacts"
shared=../shared/data/dvs
srcs=(sim/dvs/dvs.c sim/dvs/dvs_window.c sim/dvs/dvs_aedat.c sim/dvs/dvs_prophesee.c sim/dvs/dvs_nmnist.c sim/base/alloc.c sim/base/status.c)
cflags=(-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -DNMSIM_VERSION_STRING=\"fuzz\" -I. -Iinclude)
libs=(-lz -llz4 -lzstd)

clang "${cflags[@]}" tests/fuzz/gen_seeds.c "${srcs[@]}" "${libs[@]}" -o "$out/gen_seeds"
"$out/gen_seeds" "$out/seeds"

# seeds of one target: the spec-built files of its format and the shared samples
seed_dir() {
  local t=$1 d="$out/seeds-$1"
  rm -rf "$d"
  mkdir -p "$d"
  case $t in
    auto) cp "$out"/seeds/* "$d"/; [ -d "$shared" ] && cp "$shared"/* "$d"/ ;;
    gzip) cp "$out"/seeds/*.gz "$d"/
          if [ -d "$shared" ]; then for f in "$shared"/*; do gzip -c "$f" > "$d/$(basename "$f").gz"; done; fi ;;
    *) cp "$out"/seeds/"$t"-* "$d"/ 2>/dev/null || true
       rm -f "$d"/*.gz
       if [ -d "$shared" ]; then
         case $t in
           aedat2) cp "$shared"/*.aedat "$d"/ ;;
           aedat4) cp "$shared"/*.aedat4 "$d"/ ;;
           nmnist) cp "$shared"/*.bin "$d"/ ;;
           evt2) cp "$shared"/evt2_*.raw "$d"/ ;;
           evt3) cp "$shared"/evt3_*.raw "$d"/ ;;
           dat) cp "$shared"/*.dat "$d"/ ;;
         esac
       fi ;;
  esac
  echo "$d"
}

build() {
  local t=$1 fmt def=()
  case $t in
    auto) fmt=DVS_AUTO ;;
    gzip) fmt=DVS_AUTO; def=(-DFUZZ_GZIP) ;;
    *) fmt=DVS_$(echo "$t" | tr a-z A-Z) ;;
  esac
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DFUZZ_FORMAT="$fmt" "${def[@]}" tests/fuzz/fuzz_dvs.c "${srcs[@]}" "${libs[@]}" \
    -o "$out/fuzz_$t"
}

run() {
  local t=$1 seeds corpus="$out/corpus-$1"
  seeds=$(seed_dir "$t")
  mkdir -p "$corpus"
  local start=$SECONDS
  if "$out/fuzz_$t" "$corpus" "$seeds" -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
      >"$out/$t.log" 2>&1; then
    echo "fuzz_$t: ran $((SECONDS - start)) s, $(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log" | awk '{print $2}') runs, no crash"
  else
    echo "fuzz_$t: FAILED after $((SECONDS - start)) s (see $out/$t.log, $out/artifacts/)"
    return 1
  fi
}

for t in "${targets[@]}"; do build "$t"; done
fail=0
pids=()
names=()
for t in "${targets[@]}"; do
  run "$t" & pids+=($!); names+=("$t")
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
