#!/usr/bin/python3
"""plot.py: PNG plots of an nmsim run file (HDF5) or of a results database.

  python3 analysis/plot.py RUN.h5 [-o DIR] [--steps A:B] [--dpi N]
      raster.png          spikes of every recorded population over model time
      energy_category.png energy by category (total, and per step over time)
      energy_core.png     energy of each used core (and NoC energy of each tile)
      links.png           NoC link utilisation on the mesh (needs /links)
      step_latency.png    hardware length of every step
      packet_latency.png  packet latency histogram
      traces.png          recorded state variables (when the run recorded any)

  python3 analysis/plot.py --db RESULTS.sqlite --x PARAM --y METRIC [--sweep ID] -o FILE.png
      METRIC against a swept parameter, one line per combination of the other
      parameters. METRIC is a column of the runs table (energy_total_pj,
      step_mean_ns, packet_p99_ns, spikes, wall_time_s, energy_<category>_pj, ...)
      or rate_hz.<population>.

Needs Python 3 with h5py, numpy and matplotlib (Debian: python3-h5py,
python3-numpy, python3-matplotlib). Reads the files only; nmsim is not needed.
"""
import argparse
import json
import os
import re
import sqlite3
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

try:
    import h5py
except ImportError:  # the --db plots do not need it
    h5py = None

RASTER_MAX_STEPS = 2000  # a longer run's raster shows its first steps (say --steps)
UNITS_PJ = [(1e12, "J"), (1e9, "mJ"), (1e6, "uJ"), (1e3, "nJ"), (1.0, "pJ")]


def note(msg):
    print("plot.py: " + msg, file=sys.stderr)


def energy_unit(max_pj):
    """Scale and unit that keep max_pj below 1000 of the unit."""
    for scale, unit in UNITS_PJ:
        if abs(max_pj) >= scale:
            return scale, unit
    return 1.0, "pJ"


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def save(fig, path, dpi, done):
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    done.append(path)


class Run:
    """What the plots need from a run file, read with h5py only."""

    def __init__(self, path):
        self.path = path
        self.f = h5py.File(path, "r")
        a = self.f.attrs
        self.name = text(a.get("scenario_name", "?"))
        self.chip = text(a.get("chip", "?"))
        self.status = text(a.get("status", "?"))
        self.dt_ms = float(a.get("dt_ms", 1.0))
        self.steps = self.f["/steps/latency_ns"].shape[0]
        self.columns = [text(c) for c in self.f["/steps/energy_pj"].attrs["columns"]]

    def title(self, what):
        extra = "" if self.status == "complete" else ", " + self.status
        return "%s: %s (%s on %s, %d steps%s)" % (what, self.name, os.path.basename(self.path),
                                                  self.chip, self.steps, extra)


def plot_raster(run, window, dpi, out, done):
    pops = []
    for name, g in run.f["/populations"].items():
        if "spikes" in g:
            pops.append((name, g))
    if not pops:
        note("no population records spikes: raster.png skipped")
        return
    a, b = window if window else (0, min(run.steps, RASTER_MAX_STEPS))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    offset, ticks, labels = 0, [], []
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, g) in enumerate(pops):
        step = g["spikes/step"][:]
        neuron = g["spikes/neuron"][:]
        keep = (step >= a) & (step < b)
        size = int(g.attrs.get("size", neuron.max() + 1 if len(neuron) else 1))
        ax.scatter(step[keep] * run.dt_ms, neuron[keep] + offset, s=1.5, marker="|",
                   linewidths=0.5, color=colours[i % len(colours)], rasterized=True)
        ticks.append(offset + size / 2)
        labels.append("%s\n(%d)" % (name, size))
        offset += size
        ax.axhline(offset, color="0.7", linewidth=0.5)
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels)
    ax.set_ylim(0, offset)
    ax.set_xlim(a * run.dt_ms, b * run.dt_ms)
    ax.set_xlabel("model time (ms)")
    ax.set_ylabel("neuron")
    t = run.title("Spikes")
    if not window and run.steps > b:
        t += "\nfirst %d steps shown (--steps A:B for others)" % b
    elif window:
        t += "\nsteps %d to %d" % (a, b)
    ax.set_title(t, fontsize=9)
    save(fig, os.path.join(out, "raster.png"), dpi, done)


def totals(run):
    """Energy by category (pJ) and static energy: from /summary, or summed."""
    f = run.f
    if "summary" in f and run.status == "complete":
        s = f["summary"].attrs
        by = [float(s.get("energy_pj." + c, 0.0)) for c in run.columns]
        return by, float(s.get("static_pj", 0.0))
    by = list(f["/steps/energy_pj"][:].sum(axis=0)) if run.steps else [0.0] * len(run.columns)
    hw_ps = f["/steps/latency_ns"][:].sum() * 1000.0
    return by, float(f.attrs.get("static_power_mw", 0.0)) * hw_ps * 1e-3


def plot_energy_category(run, dpi, out, done):
    by, static = totals(run)
    names = run.columns + ["static"]
    vals = np.array(by + [static])
    scale, unit = energy_unit(vals.max() if len(vals) else 0)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1, 1.3]})
    order = np.argsort(vals)
    ax.barh([names[i] for i in order], vals[order] / scale, color="tab:blue")
    total = vals.sum()
    for y, i in enumerate(order):
        if total > 0 and vals[i] > 0:
            ax.text(vals[i] / scale, y, " %.1f %%" % (100 * vals[i] / total), va="center",
                    fontsize=7)
    ax.set_xlabel("energy (%s)" % unit)
    ax.set_title("whole run: %.3f %s" % (total / scale, unit), fontsize=9)
    ax.margins(x=0.2)
    # per step, stacked, for the categories that have any energy
    e = run.f["/steps/energy_pj"][:]
    used = [i for i in range(e.shape[1]) if e[:, i].sum() > 0] if len(e) else []
    if used:
        k = max(1, len(e) // 400)  # average blocks of k steps: at most ~400 points
        n = len(e) // k * k
        blocks = e[:n].reshape(-1, k, e.shape[1]).mean(axis=1) if n else e
        x = (np.arange(len(blocks)) * k + k / 2) * run.dt_ms
        s2, u2 = energy_unit(blocks[:, used].sum(axis=1).max())
        bx.stackplot(x, (blocks[:, used] / s2).T, labels=[run.columns[i] for i in used])
        bx.set_xlabel("model time (ms)")
        bx.set_ylabel("dynamic energy per step (%s)" % u2)
        bx.legend(fontsize=7, loc="upper right")
        bx.set_title("per step%s" % ("" if k == 1 else " (mean of %d steps)" % k), fontsize=9)
    else:
        bx.text(0.5, 0.5, "no dynamic energy per step", ha="center", transform=bx.transAxes)
    fig.suptitle(run.title("Energy by category"), fontsize=9)
    save(fig, os.path.join(out, "energy_category.png"), dpi, done)


def plot_energy_core(run, dpi, out, done):
    f = run.f
    if "/cores/energy_pj" not in f:
        note("%s has no /cores/energy_pj (the run did not finish): energy_core.png skipped"
             % run.path)
        return
    core = f["/cores/energy_pj"][:]
    cols = [text(c) for c in f["/cores/energy_pj"].attrs["columns"]]
    used = np.nonzero(core.sum(axis=1) > 0)[0]
    tiles = f["/tiles/energy_pj"][:] if "/tiles/energy_pj" in f else None
    tused = np.nonzero(tiles.sum(axis=1) > 0)[0] if tiles is not None else []
    fig, axes = plt.subplots(2 if len(tused) else 1, 1, figsize=(9, 6 if len(tused) else 3.6),
                             squeeze=False)
    for ax, data, idx, what in ((axes[0][0], core, used, "core"),) + (
            ((axes[1][0], tiles, tused, "tile (NoC)"),) if len(tused) else ()):
        cats = [i for i in range(data.shape[1]) if data[idx, i].sum() > 0] if len(idx) else []
        scale, unit = energy_unit(data[idx].sum(axis=1).max() if len(idx) else 0)
        bottom = np.zeros(len(idx))
        x = np.arange(len(idx))
        for c in cats:
            ax.bar(x, data[idx, c] / scale, bottom=bottom, label=cols[c], width=0.85)
            bottom += data[idx, c] / scale
        step = max(1, len(idx) // 32)
        ax.set_xticks(x[::step])
        ax.set_xticklabels([str(i) for i in idx[::step]], fontsize=7)
        ax.set_xlabel(what)
        ax.set_ylabel("energy (%s)" % unit)
        ax.legend(fontsize=7, ncol=2)
        ax.set_title("%d %ss with energy" % (len(idx), what.split()[0]), fontsize=9)
    fig.suptitle(run.title("Energy by core"), fontsize=9)
    save(fig, os.path.join(out, "energy_core.png"), dpi, done)


def plot_links(run, dpi, out, done):
    f = run.f
    if "links" not in f or "utilisation" not in f["links"]:
        note("%s has no /links (no NoC link data in this run file): links.png skipped"
             % run.path)
        return
    g = f["links"]
    src, dst = g["src_xy"][:], g["dst_xy"][:]
    util = g["utilisation"][:]
    pk = g["packets"][:] if "packets" in g else None
    w = int(max(src[:, 0].max(), dst[:, 0].max())) + 1 if len(src) else 1
    h = int(max(src[:, 1].max(), dst[:, 1].max())) + 1 if len(src) else 1
    fig, ax = plt.subplots(figsize=(min(12, 1.0 * w + 2.6), min(10, 1.0 * h + 1.8)))
    for x in range(w):
        for y in range(h):
            ax.add_patch(plt.Rectangle((x - 0.22, y - 0.22), 0.44, 0.44, fill=False,
                                       color="0.6", linewidth=0.6))
    vmax = max(util.max(), 1e-12) if len(util) else 1
    cmap = plt.get_cmap("viridis")
    for (sx, sy), (tx, ty), u in zip(src, dst, util):
        dx, dy = tx - sx, ty - sy
        # both directions of a link side by side, each offset to its right
        ox, oy = dy * 0.09, -dx * 0.09
        ax.annotate("", xy=(tx - dx * 0.24 + ox, ty - dy * 0.24 + oy),
                    xytext=(sx + dx * 0.24 + ox, sy + dy * 0.24 + oy),
                    arrowprops=dict(arrowstyle="-|>", lw=2.2,
                                    color=cmap(u / vmax) if u > 0 else "0.85",
                                    shrinkA=0, shrinkB=0, mutation_scale=9))
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax * 100))
    fig.colorbar(sm, ax=ax, label="utilisation (% of hardware time)", shrink=0.8)
    ax.set_xlim(-0.6, w - 0.4)
    ax.set_ylim(-0.6, h - 0.4)
    ax.set_aspect("equal")
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.set_xlabel("tile x")
    ax.set_ylabel("tile y")
    busiest = int(np.argmax(util)) if len(util) else None
    sub = ""
    if busiest is not None:
        name = text(g["name"][busiest]) if "name" in g else str(busiest)
        sub = "\nbusiest link %s: %.2f %%%s" % (
            name, 100 * util[busiest], "" if pk is None else ", %d packets" % pk[busiest])
    ax.set_title(run.title("NoC links") + sub + "\n(grey: unused)", fontsize=9)
    save(fig, os.path.join(out, "links.png"), dpi, done)


def plot_step_latency(run, dpi, out, done):
    lat = run.f["/steps/latency_ns"][:]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    us = lat / 1000.0
    x = np.arange(len(us)) * run.dt_ms
    ax.plot(x, us, linewidth=0.6, color="tab:blue", label="step")
    k = max(1, len(us) // 50)
    if k > 1 and len(us) >= k:
        mean = np.convolve(us, np.ones(k) / k, mode="valid")
        ax.plot(x[k - 1:], mean, color="tab:red", linewidth=1.2,
                label="mean of %d steps" % k)
    if len(us):
        ax.axhline(us.mean(), color="0.4", linestyle="--", linewidth=0.8,
                   label="run mean %.3f us" % us.mean())
    ax.set_xlabel("model time (ms)")
    ax.set_ylabel("step length (us, hardware)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    ax.set_title(run.title("Step latency"), fontsize=9)
    save(fig, os.path.join(out, "step_latency.png"), dpi, done)


def plot_packet_latency(run, dpi, out, done):
    f = run.f
    if "/packets/latency_hist" not in f or f["/packets/latency_hist"].shape[0] == 0:
        note("%s has no packet latency histogram (the run did not finish): "
             "packet_latency.png skipped" % run.path)
        return
    d = f["/packets/latency_hist"]
    hist, bin_ns = d[:], float(d.attrs.get("bin_ns", 1.0))
    nz = np.nonzero(hist)[0]
    if len(nz) == 0:
        note("no packets were delivered: packet_latency.png skipped")
        return
    # the bins up to the 99.9th percentile, merged to at most 200 bars
    cum = np.cumsum(hist)
    last = int(np.searchsorted(cum, cum[-1] * 0.999)) + 1
    k = max(1, last // 200)
    n = (last + k - 1) // k * k
    h = np.pad(hist[:n], (0, max(0, n - len(hist[:n])))).reshape(-1, k).sum(axis=1)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar(np.arange(len(h)) * k * bin_ns, h, width=k * bin_ns, align="edge", color="tab:blue")
    ax.set_yscale("log")
    p99 = (int(np.searchsorted(cum, cum[-1] * 0.99)) + 1) * bin_ns
    ax.axvline(p99, color="tab:red", linestyle="--", linewidth=0.8, label="p99 %.1f ns" % p99)
    ax.legend(fontsize=7)
    ax.set_xlabel("packet latency (ns, injection to delivery)")
    ax.set_ylabel("packets per %.3g ns" % (k * bin_ns))
    over = int(d.attrs.get("overflow", 0))
    ax.set_title(run.title("Packet latency") + "\n%d packets%s" % (
        int(cum[-1]) + over, ", %d beyond the histogram" % over if over else ""), fontsize=9)
    save(fig, os.path.join(out, "packet_latency.png"), dpi, done)


def plot_traces(run, dpi, out, done):
    if "state" not in run.f:
        return
    series = []
    for pop, g in run.f["state"].items():
        for var, d in g.items():
            series.append((pop, var, d))
    if not series:
        return
    fig, axes = plt.subplots(len(series), 1, figsize=(8, 2.2 * len(series) + 0.6),
                             squeeze=False, sharex=True)
    for ax, (pop, var, d) in zip(axes[:, 0], series):
        v = d[:]
        neurons = d.attrs.get("neurons", np.arange(v.shape[1] if v.ndim == 2 else 1))
        x = np.arange(v.shape[0]) * run.dt_ms
        for j in range(v.shape[1] if v.ndim == 2 else 1):
            ax.plot(x, v[:, j] if v.ndim == 2 else v, linewidth=0.7,
                    label="neuron %d" % neurons[j])
        ax.set_ylabel("%s.%s (%s)" % (pop, var, text(d.attrs.get("unit", "1"))), fontsize=8)
        ax.legend(fontsize=6, loc="upper right", ncol=4)
    axes[-1, 0].set_xlabel("model time (ms)")
    axes[0, 0].set_title(run.title("State traces"), fontsize=9)
    save(fig, os.path.join(out, "traces.png"), dpi, done)


def plot_run(args):
    if h5py is None:
        sys.exit("plot.py: h5py is missing (Debian: apt-get install python3-h5py)")
    try:
        run = Run(args.run)
    except (OSError, KeyError) as e:
        sys.exit("plot.py: %s: not a readable nmsim run file: %s" % (args.run, e))
    window = None
    if args.steps:
        m = re.fullmatch(r"(\d+):(\d+)", args.steps)
        if not m or int(m.group(1)) >= int(m.group(2)):
            sys.exit("plot.py: --steps expects A:B with A < B, got '%s'" % args.steps)
        window = (int(m.group(1)), int(m.group(2)))
    os.makedirs(args.output, exist_ok=True)
    done = []
    for fn in (plot_raster,):
        fn(run, window, args.dpi, args.output, done)
    for fn in (plot_energy_category, plot_energy_core, plot_links, plot_step_latency,
               plot_packet_latency, plot_traces):
        fn(run, args.dpi, args.output, done)
    for p in done:
        print(p)


# ---- results database ----------------------------------------------------------

NUMBER_UNIT = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*")


def as_number(v):
    """(value, unit) of a parameter value such as 3, "10 ms" or "20Hz"; None if not one."""
    if isinstance(v, (int, float)):
        return float(v), ""
    m = NUMBER_UNIT.fullmatch(str(v))
    return (float(m.group(1)), m.group(2)) if m else None


def plot_db(args):
    if not os.path.exists(args.db):
        sys.exit("plot.py: %s: no such results database" % args.db)
    con = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
    con.row_factory = sqlite3.Row
    cols = [r["name"] for r in con.execute("PRAGMA table_info(runs)")]
    if not cols:
        sys.exit("plot.py: %s: not an nmsim results database (no runs table)" % args.db)
    rate = args.y.startswith("rate_hz.")
    if not rate and args.y not in cols:
        sys.exit("plot.py: --y %s: not a metric; use one of: %s, rate_hz.<population>"
                 % (args.y, ", ".join(c for c in cols if c not in (
                     "id", "scenario_hash", "scenario", "scenario_path", "parameters",
                     "sweep_id", "chip", "status", "error", "start_time", "nmsim_version",
                     "run_file"))))
    q = "SELECT * FROM runs WHERE status = 'complete'"
    qa = []
    if args.sweep:
        q += " AND sweep_id = ?"
        qa.append(args.sweep)
    rows = con.execute(q + " ORDER BY id", qa).fetchall()
    points = {}  # other parameters -> [(x, y)]
    xunit = ""
    for r in rows:
        params = json.loads(r["parameters"] or "{}")
        if args.x in params:
            xv = as_number(params[args.x])
        elif args.x in cols:
            xv = as_number(r[args.x]) if r[args.x] is not None else None
        else:
            continue
        if xv is None:
            sys.exit("plot.py: --x %s: run %d has the value %r, not a number"
                     % (args.x, r["id"], params.get(args.x)))
        xunit = xunit or xv[1]
        if rate:
            pr = con.execute("SELECT rate_hz FROM run_populations WHERE run_id = ? AND name = ?",
                             (r["id"], args.y[len("rate_hz."):])).fetchone()
            yv = pr[0] if pr else None
        else:
            yv = r[args.y]
        if yv is None:
            continue
        rest = tuple(sorted((k, str(v)) for k, v in params.items() if k != args.x))
        points.setdefault(rest, []).append((xv[0], float(yv)))
    if not points:
        sys.exit("plot.py: no complete run in %s has the parameter %s%s" % (
            args.db, args.x, " in sweep " + args.sweep if args.sweep else ""))
    # lines are told apart by the parameters that vary; the constant ones go
    # to the title
    keys = {k for rest in points for k, _ in rest}
    vary = {k for k in keys if len({dict(rest).get(k) for rest in points}) > 1}
    fixed = sorted({kv for rest in points for kv in rest if kv[0] not in vary})
    merged = {}
    for rest, pts in points.items():
        merged.setdefault(tuple(kv for kv in rest if kv[0] in vary), []).extend(pts)
    points = merged
    fig, ax = plt.subplots(figsize=(7, 4.2))
    yscale, yunit = 1.0, ""
    m = re.fullmatch(r"(.*)_(pj|ns)", args.y)
    if m and m.group(2) == "pj":
        yscale, yunit = energy_unit(max(abs(y) for p in points.values() for _, y in p))
    elif m:
        yunit = "ns"
    for rest, pts in sorted(points.items()):
        pts.sort()
        xs, ys = zip(*pts)
        label = ", ".join("%s=%s" % kv for kv in rest) or None
        ax.plot(xs, np.array(ys) / yscale, marker="o", markersize=4, label=label)
    ax.set_xlabel(args.x + (" (%s)" % xunit if xunit else ""))
    ylabel = args.y if not m else m.group(1)
    ax.set_ylabel(ylabel + (" (%s)" % yunit if yunit else (" (Hz)" if rate else "")))
    if any(len(k) for k in points):
        ax.legend(fontsize=7)
    n = sum(len(p) for p in points.values())
    ax.set_title("%s against %s: %d runs from %s%s%s" % (
        ylabel, args.x, n, os.path.basename(args.db),
        " (sweep %s)" % args.sweep if args.sweep else "",
        "\n" + ", ".join("%s=%s" % kv for kv in fixed) if fixed else ""), fontsize=9)
    ax.grid(alpha=0.3)
    d = os.path.dirname(args.output)
    if d:
        os.makedirs(d, exist_ok=True)
    done = []
    save(fig, args.output, args.dpi, done)
    print(args.output)


def main():
    ap = argparse.ArgumentParser(
        description="PNG plots of an nmsim run file, or of a metric against a parameter "
                    "from a results database.")
    ap.add_argument("run", nargs="?", help="RUN.h5 written by nmsim run -o")
    ap.add_argument("-o", "--output", help="folder for the run's plots (default: "
                    "RUN_plots), or the PNG file of a --db plot")
    ap.add_argument("--steps", help="raster window A:B in steps (default: the first %d)"
                    % RASTER_MAX_STEPS)
    ap.add_argument("--db", help="results database (nmsim run/sweep --db)")
    ap.add_argument("--x", help="parameter (a --set key) for the x axis of a --db plot")
    ap.add_argument("--y", help="metric for the y axis of a --db plot")
    ap.add_argument("--sweep", help="only the runs of this sweep id")
    ap.add_argument("--dpi", type=int, default=100, help="resolution (default 100)")
    args = ap.parse_args()
    if args.db:
        if args.run or not args.x or not args.y or not args.output:
            ap.error("--db needs --x PARAM --y METRIC -o FILE.png, and no RUN.h5")
        plot_db(args)
    elif args.run:
        if not args.output:
            args.output = os.path.splitext(args.run)[0] + "_plots"
        plot_run(args)
    else:
        ap.error("give RUN.h5, or --db RESULTS.sqlite --x PARAM --y METRIC -o FILE.png")


if __name__ == "__main__":
    main()
