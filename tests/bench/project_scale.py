#!/usr/bin/env python3
"""project_scale.py: a projection, from costs measured on this machine, of
what a chip-timed run of a Hala Point-sized system would need on a cluster:
memory per rank, windows per step and wall time per step.

Measured here (each by running nmsim on the CUBA network of
tests/bench/cuba.yaml on boards of loihi2 chips, timed mode):
  memory   peak RSS of a whole run = a + b * cores on the board + c * synapses
  time     the run loop's wall time (NMSIM_PART_STATS) = steps * tc * cores
           in use + tp * packets + th * hops + ts * synaptic events
           Both fitted by non-negative least squares on relative errors over
           runs that vary the network's size (cores), its fan-out (packets,
           hops, synapses) and its activity (quiet runs where nothing spikes);
           the script prints each run's error, so a poor fit shows.
  windows  a run split over ranks owning whole chips meets every chip-link
           latency of hardware time (loihi2.yaml: 50 ns); each meeting costs
           an all-reduce, 2 alpha ceil(log2 R), one neighbour exchange, alpha,
           and the wait for the slowest rank, W (the mean sync per window of
           a 2-rank run of board16 on this machine, 9-12 us: --wait-us);
           alpha, the network's one-way latency, is an assumption (--alpha-us,
           1.5 us: a typical InfiniBand figure, not measured here).

Projected for Hala Point (1,152 Loihi 2 chips, 1.15 billion neurons, 128
billion synapses: Intel's announcement of April 2024) split over R ranks
that own whole chips, for an activity given as the fraction of neurons that
spike in a step. Two memory rows: today, where every rank builds the whole
system (the scale issue's point 1 is not done), and with a rank-local build
(each rank its 1/R share). A projection, not a measurement: it assumes the
per-event costs stay what they are here at a thousand times the size
(caches, memory bandwidth and the network between nodes will say otherwise),
and the step's hardware time is an input (--step-us).

Usage: python3 tests/bench/project_scale.py [--nmsim PATH] [--ranks R ...]
         [--activity F ...] [--step-us T] [--wait-us W] [--alpha-us A]
"""
import argparse
import json
import shutil
import math
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HALA = {"chips": 1152, "neurons": 1.15e9, "synapses": 128e9}
CHIP_LINK_NS = 50.0  # scenarios/chips/loihi2.yaml chip_link.time (an estimate there)


def run(nmsim, n, fanout, steps, side, quiet):
    """One timed CUBA run of n neurons with `fanout` synapses each on a
    side x side board of loihi2 chips (quiet: resting potential below the
    threshold, so no neuron spikes and only the cores' steps cost); returns
    (peak RSS bytes, loop s, report)."""
    ne, ni = int(n * 0.8), n - int(n * 0.8)
    p = fanout / n
    sets = ["steps=%d" % steps, "engine.mode=timed", "chip=loihi2",
            "populations.exc.size=%d" % ne, "populations.inh.size=%d" % ni,
            "chips=[%d, %d]" % (side, side)]
    sets += ["projections[%d].connector.fixed_probability=%r" % (k, p) for k in range(4)]
    if quiet:
        sets += ["populations.%s.params.e_l=-60 mV" % pop for pop in ("exc", "inh")]
    cmd = ["/usr/bin/time", "-f", "peak-rss-kib %M", nmsim, "run",
           os.path.join(ROOT, "tests", "bench", "cuba.yaml"), "--json", "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    env = dict(os.environ, NMSIM_PART_STATS="1")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        return None
    peak = float(re.search(r"peak-rss-kib ([0-9]+)", r.stderr).group(1)) * 1024.0
    loop = float(re.search(r"rank 0: run ([0-9.]+) s", r.stderr).group(1))
    return peak, loop, json.loads(r.stdout)


def fit_run(nmsim, n, fanout, steps, quiet):
    """On the smallest square board the network fits on."""
    for side in range(1, 17):
        got = run(nmsim, n, fanout, steps, side, quiet)
        if got:
            return got + (side,)
    sys.exit("project_scale.py: N %d, fan-out %d fits no board up to 16 x 16" % (n, fanout))


def rank_peak(nmsim_mpi, n, fanout, side, ranks):
    """Peak RSS (bytes) of the largest rank of a functional CUBA run (20
    steps) split over `ranks` MPI ranks with the rank-local build."""
    p = fanout / n
    cmd = ["mpirun", "--oversubscribe", "-np", str(ranks), "sh", "-c",
           '/usr/bin/time -f %M -o "$0.$OMPI_COMM_WORLD_RANK" "$@"',
           os.path.join(ROOT, ".project_scale_rss"), nmsim_mpi, "run",
           os.path.join(ROOT, "tests", "bench", "cuba.yaml"), "--json", "--quiet",
           "--set", "steps=20", "--set", "engine.mode=functional", "--set", "chip=loihi2",
           "--set", "chips=[%d, %d]" % (side, side),
           "--set", "populations.exc.size=%d" % int(n * 0.8),
           "--set", "populations.inh.size=%d" % (n - int(n * 0.8))]
    for k in range(4):
        cmd += ["--set", "projections[%d].connector.fixed_probability=%r" % (k, p)]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    peaks = []
    for k in range(ranks):
        f = os.path.join(ROOT, ".project_scale_rss.%d" % k)
        if os.path.exists(f):
            peaks.append(float(open(f).read().split()[-1]) * 1024.0)
            os.remove(f)
    if r.returncode != 0 or len(peaks) != ranks:
        sys.exit("project_scale.py: %s failed: %s" % (" ".join(cmd), r.stderr.strip()[-400:]))
    return max(peaks)


def lstsq(rows, ys):
    """Least squares for small systems (normal equations, Gauss elimination)."""
    k = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) for j in range(k)] for i in range(k)]
    b = [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(k)]
    for i in range(k):
        piv = max(range(i, k), key=lambda r: abs(a[r][i]))
        a[i], a[piv], b[i], b[piv] = a[piv], a[i], b[piv], b[i]
        if a[i][i] == 0.0:
            return None
        for r in range(i + 1, k):
            f = a[r][i] / a[i][i]
            a[r] = [x - f * y for x, y in zip(a[r], a[i])]
            b[r] -= f * b[i]
    x = [0.0] * k
    for i in reversed(range(k)):
        x[i] = (b[i] - sum(a[i][j] * x[j] for j in range(i + 1, k))) / a[i][i]
    return x


def nnls(rows, ys):
    """Non-negative least squares by trying every subset of the columns (a
    handful here): the best fit whose coefficients are all >= 0."""
    k = len(rows[0])
    best = None
    for mask in range(1, 1 << k):
        cols = [j for j in range(k) if mask >> j & 1]
        x = lstsq([[r[j] for j in cols] for r in rows], ys)
        if x is None or min(x) < 0.0:
            continue
        full = [0.0] * k
        for j, v in zip(cols, x):
            full[j] = v
        res = sum((sum(c * v for c, v in zip(r, full)) - y) ** 2 for r, y in zip(rows, ys))
        if best is None or res < best[0]:
            best = (res, full)
    return best[1]


def human(b):
    for u in ("B", "KiB", "MiB", "GiB", "TiB"):
        if b < 1024 or u == "TiB":
            return "%.3g %s" % (b, u)
        b /= 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nmsim", default=os.path.join(ROOT, "build", "nmsim"))
    ap.add_argument("--ranks", type=int, nargs="+", default=[1152, 4608])
    ap.add_argument("--activity", type=float, nargs="+", default=[0.001, 0.01])
    ap.add_argument("--step-us", type=float, default=10.0,
                    help="hardware time of one step on the system (us); default 10")
    ap.add_argument("--wait-us", type=float, default=10.0,
                    help="wall time a rank waits for the slowest at each window's end (us); "
                         "default 10")
    ap.add_argument("--alpha-us", type=float, default=1.5,
                    help="the cluster network's one-way message latency (us); default 1.5")
    ap.add_argument("--nmsim-mpi", default=os.path.join(ROOT, "build-bench-mpi", "nmsim"),
                    help="an MPI build of nmsim, for the memory a rank of a split run; default "
                         "build-bench-mpi/nmsim (tests/bench/bench_memory.sh makes it)")
    a = ap.parse_args()
    if not os.path.exists(a.nmsim):
        sys.exit("project_scale.py: no nmsim at %s (build it, or give --nmsim)" % a.nmsim)
    # networks that vary the size (cores in use), the fan-out (packets,
    # synapses) and the activity (quiet ones: no spikes at all)
    nets = [(8000, 40, 0), (8000, 160, 0), (8000, 160, 1), (16000, 80, 0), (24000, 40, 0),
            (16000, 320, 1), (16000, 320, 0)]
    steps = 200
    runs, rows_m, ys_m, rows_t, ys_t = [], [], [], [], []
    print("measured (CUBA, loihi2 boards, timed mode, %d steps):" % steps)
    sides = {}
    for n, f, quiet in nets:
        rss, loop, rep, sides[(n, f)] = fit_run(a.nmsim, n, f, steps, quiet)
        c = rep["counts"]
        used, total = rep["cores"]["used"], rep["cores"]["total"]
        rows_m.append([1.0, total, n * f])
        ys_m.append(rss)
        rows_t.append([steps * used, c["packets"], c["hops"], c["synaptic_ops"]])
        ys_t.append(loop)
        runs.append((n, f, total, used, c))
    # fitted on relative errors (each run's row divided by its measure), so
    # the small runs count as much as the large ones
    m0, mb, mc = nnls([[v / y for v in r] for r, y in zip(rows_m, ys_m)], [1.0] * len(ys_m))
    tc, tp, th, ts = nnls([[v / y for v in r] for r, y in zip(rows_t, ys_t)], [1.0] * len(ys_t))
    for (n, f, total, used, c), rm, ym, rt, yt in zip(runs, rows_m, ys_m, rows_t, ys_t):
        pm = m0 + mb * rm[1] + mc * rm[2]
        pt = tc * rt[0] + tp * rt[1] + th * rt[2] + ts * rt[3]
        print("  N %6d, fan-out %3d: %4d/%5d cores, %6d packets, %7d hops, %6d synaptic events: "
              "peak %s (fit %+.0f%%), loop %.3f s (fit %+.0f%%)"
              % (n, f, used, total, c["packets"], c["hops"], c["synaptic_ops"], human(ym),
                 100.0 * (pm - ym) / ym, yt, 100.0 * (pt - yt) / yt))
    print("fitted: memory %s + %.0f B a core + %.1f B a synapse; time %.0f ns a core-step + "
          "%.0f ns a packet + %.0f ns a hop + %.0f ns a synaptic event"
          % (human(m0), mb, mc, tc * 1e9, tp * 1e9, th * 1e9, ts * 1e9))
    # packets a synaptic event and hops a packet as in the largest run
    # (random connectivity sends a spike to nearly one core a synapse; the
    # hops assume a mapping as local as this board's, not one spread over
    # the whole system)
    big = runs[-1][4]
    pk_per_ev = big["packets"] / float(big["synaptic_ops"])
    hops_per_pk = big["hops"] / float(big["packets"])
    print("assumed at scale: %.2f packets a synaptic event, %.2f hops a packet (largest run)"
          % (pk_per_ev, hops_per_pk))
    # memory a rank of a split run with the rank-local build: a + gn N + gs S
    # + (ln N + ls S) / R, global parts (the mapping and its inputs) and
    # local ones, from runs on 2 and 4 ranks of networks that vary N and S
    split = None
    if os.path.exists(a.nmsim_mpi) and shutil.which("mpirun"):
        mnets = [(16000, 80), (16000, 320), (32000, 160)]
        fits = {}
        print("measured (the same CUBA networks, functional, MPI ranks, rank-local build):")
        for r in (2, 4):
            ys = []
            for n, f in mnets:
                if (n, f) not in sides:
                    sides[(n, f)] = fit_run(a.nmsim, n, f, 2, 1)[3]
                ys.append(rank_peak(a.nmsim_mpi, n, f, sides[(n, f)], r))
                print("  N %6d, fan-out %3d, %d ranks: largest rank's peak %s"
                      % (n, f, r, human(ys[-1])))
            fits[r] = lstsq([[1.0, n, n * f] for n, f in mnets], ys)
        (a2, b2, c2), (a4, b4, c4) = fits[2], fits[4]
        split = {"a": 2 * a4 - a2, "gn": max(0.0, 2 * b4 - b2), "ln": max(0.0, 4 * (b2 - b4)),
                 "gs": max(0.0, 2 * c4 - c2), "ls": max(0.0, 4 * (c2 - c4))}
        print("fitted: a rank holds %s + %.0f B a neuron + %.1f B a synapse of the whole "
              "system (the mapping and its inputs) + (%.0f B a neuron + %.1f B a synapse) / R"
              % (human(split["a"]), split["gn"], split["gs"], split["ln"], split["ls"]))
    else:
        print("(no MPI build at %s, or no mpirun: the memory a rank of a split run is left out)"
              % a.nmsim_mpi)
    windows = a.step_us * 1e3 / CHIP_LINK_NS
    print("\nPROJECTION (not a measurement) for Hala Point: %d chips, %.3g neurons, %.3g "
          "synapses; a step of %g us of hardware time, so %.0f windows of the %g ns chip link "
          "a step; %g us of waiting and alpha = %g us at each" % (HALA["chips"], HALA["neurons"],
          HALA["synapses"], a.step_us, windows, CHIP_LINK_NS, a.wait_us, a.alpha_us))
    print("%8s %9s %18s %18s %18s %16s %14s"
          % ("ranks", "activity", "mem/rank whole", "mem/rank local", "of it global",
             "wall/step", "x real time"))
    cores = HALA["chips"] * 128  # loihi2.yaml: 8 x 4 tiles of 4 cores
    fan = HALA["synapses"] / HALA["neurons"]
    for r in a.ranks:
        for act in a.activity:
            whole = m0 + mb * cores + mc * HALA["synapses"]
            if split:
                glob = split["gn"] * HALA["neurons"] + split["gs"] * HALA["synapses"]
                local = split["a"] + glob + (split["ln"] * HALA["neurons"] +
                                             split["ls"] * HALA["synapses"]) / r
                local_s, glob_s = human(local), human(glob)
            else:
                local_s = glob_s = "not measured"
            events = act * HALA["neurons"] * fan
            packets = pk_per_ev * events
            compute = (tc * cores + (tp + th * hops_per_pk) * packets + ts * events) / r
            sync = 2 * a.alpha_us * math.ceil(math.log2(r)) + a.alpha_us + a.wait_us
            wall = compute + windows * sync * 1e-6
            print("%8d %9g %18s %18s %18s %13.3f ms %14.0f"
                  % (r, act, human(whole), local_s, glob_s, wall * 1e3,
                     wall / (a.step_us * 1e-6)))
    print("mem/rank whole: every rank builds the whole system (NMSIM_WHOLE_BUILD=1); local: "
          "the rank-local build; of it global: what every rank still holds of the whole "
          "system (the mapping, and the sources of every neuron while it is made).")


if __name__ == "__main__":
    main()
