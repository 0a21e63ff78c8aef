#!/usr/bin/env bash
# Usage: bash scripts/same_outputs.sh BASE_NMSIM NEW_NMSIM [STEPS]. Runs every bundled scenario in
# every engine mode with both binaries and compares exit codes, stderr, stdout, `report --json` and
# the HDF5 run files, ignoring only wall-clock times and the version; exit 0 when all are the same.
set -euo pipefail

usage() { echo "usage: bash scripts/same_outputs.sh BASE_NMSIM NEW_NMSIM [STEPS]" >&2; exit 2; }
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
steps=${3:-100}
if ! [[ $steps =~ ^[1-9][0-9]*$ ]]; then
  echo "STEPS: expected a whole number >= 1, got '$steps'" >&2
  exit 2
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
base=$(abspath "$1")
new=$(abspath "$2")
for b in "$base" "$new"; do
  if [ ! -f "$b" ] || [ ! -x "$b" ]; then echo "not an executable file: $b" >&2; exit 2; fi
done
for t in h5diff h5dump; do
  command -v "$t" >/dev/null || { echo "$t not found (install hdf5-tools)" >&2; exit 2; }
done
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What is ignored, and why (two runs of one binary differ only in these):
#  - run-file root attributes start_time, end_time, wall_time_s: wall-clock times of the run;
#  - nmsim_version (root and /summary attributes, report JSON top-level field, the `nmsim`
#    line of the text report): the version string, which may legitimately be bumped.
h5_ignored='^/@(start_time|end_time|wall_time_s|nmsim_version)$|^/summary@nmsim_version$'
json_ignored='^  "nmsim_version": ".*",?$'
text_ignored='^  nmsim +[^ ]+$'

# Steps per scenario: STEPS, raised where fewer steps would test nothing.
steps_for() {
  local n=$steps min=0
  case $(basename "$1" .yaml) in
    nir_lif_norse) min=1000 ;; # its spike_array fires up to step 849 (fewer steps: refused)
    l5pc_bac) min=2000 ;;      # dt 0.1 ms: in 100 steps (10 ms) its l5pc cells never spike
  esac
  [ "$n" -ge "$min" ] || n=$min
  echo "$n"
}

# run_one BIN DIR SCENARIO MODE N: the run and its report, exit codes in DIR/*.rc
run_one() {
  local bin=$1 dir=$2 scn=$3 mode=$4 n=$5 rc
  mkdir -p "$dir"
  if "$bin" run "$scn" -o "$dir/run.h5" --set "engine.mode=$mode" --set "steps=$n" --quiet \
    >"$dir/run.out" 2>"$dir/run.err"; then rc=0; else rc=$?; fi
  echo "$rc" >"$dir/run.rc"
  if [ -f "$dir/run.h5" ]; then
    if "$bin" report "$dir/run.h5" --json >"$dir/report.json" 2>"$dir/report.err"; then rc=0
    else rc=$?; fi
    echo "$rc" >"$dir/report.rc"
  fi
}

# text with the run's directory replaced, so that messages naming the output file compare
norm_dir() { local s; s=$(cat "$1"); printf '%s\n' "${s//"$2"/OUTDIR}"; }

# h5dump of the header and every attribute (floats to 17 digits), each line prefixed with the
# object (/group/dataset) or attribute (/object@name) it belongs to; ignored attributes dropped
h5_outline() {
  h5dump -A -m '%.17g' "$1" | awk -v ign="$h5_ignored" '
    NR == 1 { next }                          # HDF5 "FILE" {
    match($0, /^ *(GROUP|DATASET|ATTRIBUTE|DATATYPE) "[^"]*" \{$/) {
      ind = index($0, $1) - 1
      name = $0; sub(/^[^"]*"/, "", name); sub(/" \{$/, "", name)
      parent = sp > 0 ? path[sp] : ""
      if ($1 == "ATTRIBUTE") p = (parent == "" ? "/" : parent) "@" name
      else if (name == "/") p = "/"
      else p = (parent == "/" ? "" : parent) "/" name
      sp++; path[sp] = p; indent[sp] = ind
      if (skip == 0 && p ~ ign) skip = sp
    }
    { line = $0; cur = sp > 0 ? path[sp] : "" }
    sp > 0 && line == sprintf("%" indent[sp] "s}", "") {
      if (skip == sp) { skip = 0; sp--; next }
      sp--
    }
    skip == 0 { print cur "\t" line }'
}

# the report JSON with each line prefixed by its key path (for naming what differs)
json_outline() {
  awk '{
    line = $0; key = ""
    if (match(line, /^ *"[^"]*":/)) { key = line; sub(/^ *"/, "", key); sub(/":.*/, "", key) }
    p = ""; for (i = 1; i <= sp; i++) if (st[i] != "") p = p (p == "" ? "" : ".") st[i]
    here = key == "" ? p : (p == "" ? key : p "." key)
    print here "\t" line
    if (line ~ /[\{\[]$/) { name = key != "" ? key : (sp > 0 ? "[]" : ""); st[++sp] = name }
    else if (line ~ /^ *[\}\]],?$/ && sp > 0) sp--
  }' "$1"
}

# the first few distinct paths of the lines that differ between two outlines
changed_paths() {
  { diff "$1" "$2" || true; } | sed -n 's/^[<>] \([^\t]*\)\t.*/\1/p' |
    awk '!seen[$0]++ && ++n <= 6' | paste -sd, - | sed 's/,/, /g'
}

# the first line that NEW has and BASE has not (blanks squeezed, 100 characters), or "nothing"
first_new_line() {
  { diff "$1" "$2" || true; } | awk '
    /^>/ && !n++ { t = substr($0, 3); gsub(/  +/, " ", t); t = substr(t, 1, 100) }
    END { print (t == "" ? "nothing" : t) }'
}

# compare DIR_A DIR_B: prints what differs ("" if nothing)
compare() {
  local a=$1 b=$2 what=() rc_a rc_b p d
  rc_a=$(cat "$a/run.rc") rc_b=$(cat "$b/run.rc")
  [ "$rc_a" = "$rc_b" ] || what+=("exit code $rc_a -> $rc_b")
  for d in "$a" "$b"; do
    norm_dir "$d/run.err" "$d" >"$d/run.err.n"
    grep -Ev "$text_ignored" "$d/run.out" >"$d/run.out.n" || true
  done
  cmp -s "$a/run.err.n" "$b/run.err.n" ||
    what+=("run stderr (new: $(first_new_line "$a/run.err.n" "$b/run.err.n"))")
  cmp -s "$a/run.out.n" "$b/run.out.n" ||
    what+=("run stdout (new: $(first_new_line "$a/run.out.n" "$b/run.out.n"))")
  if [ -f "$a/run.h5" ] && [ -f "$b/run.h5" ]; then
    rc_a=$(cat "$a/report.rc") rc_b=$(cat "$b/report.rc")
    [ "$rc_a" = "$rc_b" ] || what+=("report exit code $rc_a -> $rc_b")
    cmp -s <(norm_dir "$a/report.err" "$a") <(norm_dir "$b/report.err" "$b") ||
      what+=("report stderr")
    grep -Ev "$json_ignored" "$a/report.json" >"$a/report.f.json" || true
    grep -Ev "$json_ignored" "$b/report.json" >"$b/report.f.json" || true
    if ! cmp -s "$a/report.f.json" "$b/report.f.json"; then
      json_outline "$a/report.f.json" >"$a/report.o"
      json_outline "$b/report.f.json" >"$b/report.o"
      what+=("report JSON: $(changed_paths "$a/report.o" "$b/report.o")")
    fi
    # datasets' values, and attributes of all objects but / and /summary (h5diff 1.10 cannot
    # leave out a single attribute; the outline below compares every attribute exactly)
    if h5diff --exclude-attribute / --exclude-attribute /summary \
      "$a/run.h5" "$b/run.h5" >"$a/h5diff.txt" 2>&1; then rc_a=0; else rc_a=$?; fi
    if [ "$rc_a" = 1 ]; then
      p=$(sed -n -e 's/^dataset: <\([^>]*\)>.*/\1/p' \
        -e 's/^attribute: <\([^ ]*\) of <\([^>]*\)>>.*/\2@\1/p' "$a/h5diff.txt" |
        awk 'NR <= 6' | paste -sd, - | sed 's/,/, /g')
      what+=("h5diff: ${p:-$(head -n1 "$a/h5diff.txt")}")
    elif [ "$rc_a" != 0 ]; then
      what+=("h5diff failed ($(head -n1 "$a/h5diff.txt"))")
    fi
    # structure (groups, datasets, types, shapes) and every attribute
    h5_outline "$a/run.h5" >"$a/h5.o"
    h5_outline "$b/run.h5" >"$b/h5.o"
    cmp -s "$a/h5.o" "$b/h5.o" ||
      what+=("run file header/attributes: $(changed_paths "$a/h5.o" "$b/h5.o")")
  elif [ -f "$a/run.h5" ]; then
    what+=("no run file from the new binary")
  elif [ -f "$b/run.h5" ]; then
    what+=("a run file from the new binary only")
  fi
  local out="" x
  for x in ${what[@]+"${what[@]}"}; do out+="${out:+; }$x"; done
  printf '%s\n' "$out"
}

v_base=$("$base" --version 2>&1 || true) v_new=$("$new" --version 2>&1 || true)
v_base=${v_base%%$'\n'*} v_new=${v_new%%$'\n'*}
[ "$v_base" = "$v_new" ] ||
  echo "note: versions differ ('$v_base' vs '$v_new'); version fields are ignored"

start=$SECONDS
pairs=0 diffs=0 k=0
for scn in scenarios/*.yaml tests/bench/cuba.yaml; do
  n=$(steps_for "$scn")
  for mode in timed functional network; do
    k=$((k + 1))
    run_one "$base" "$tmp/base/$k" "$scn" "$mode" "$n" &
    run_one "$new" "$tmp/new/$k" "$scn" "$mode" "$n" &
    wait
    found=$(compare "$tmp/base/$k" "$tmp/new/$k")
    pairs=$((pairs + 1))
    label=$(printf '%-32s %-10s' "$scn" "$mode")
    if [ -z "$found" ]; then
      rc=$(cat "$tmp/base/$k/run.rc")
      note="steps=$n"
      [ "$rc" = 0 ] || note="refused by both, exit $rc, same message"
      echo "same  $label ($note)"
    else
      diffs=$((diffs + 1))
      echo "DIFF  $label steps=$n: $found"
    fi
    rm -rf "$tmp/base/$k" "$tmp/new/$k"
  done
done
echo "$pairs scenario/mode pairs, $diffs differ ($((SECONDS - start)) s)"
[ "$diffs" = 0 ]
