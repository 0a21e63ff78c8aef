#!/usr/bin/python3
"""plot.py: PNG plots of an nmsim run file (HDF5) or of a results database.

  python3 analysis/plot.py RUN.h5 [-o DIR] [--steps A:B] [--dpi N]
      raster.png          spikes of every recorded population over model time
      energy_category.png energy by category (total, and per step over time)
      energy_core.png     energy of each used core (and NoC energy of each tile)
      links.png           NoC link utilisation on the mesh (needs /links)
      step_latency.png    hardware length of every step
      packet_latency.png  packet latency histogram (log x when it spans a wide range),
                          with the p99 as nmsim report computes it
      traces.png          recorded state variables (when the run recorded any)
      bottlenecks.png     each step's time by part, its critical core, and the cores
                          that finish last most often (timed runs; --steps A:B)
      links_window.png    link utilisation and back-pressure per window of steps
      mapping.png         the board's tiles coloured by the populations they hold,
                          chip boundaries drawn
      timeline.png        when the run recorded a timeline (record.timeline): one row
                          per core, its own updates and synaptic events in each step

  python3 analysis/plot.py --db RESULTS.sqlite --x PARAM --y METRIC [--sweep ID] [--logy]
                          [--spread minmax|std] [--csv FILE.csv] -o FILE.png
      METRIC against a swept parameter or a runs column, one series per
      combination of the other parameters. The runs of one point (its seeds)
      show as their mean with a band (numeric x) or error bars (categorical x,
      such as --x chip or any text) from min to max, or of one standard
      deviation. METRIC is a column of the runs table (energy_total_pj,
      step_mean_ns, packet_p99_ns, spikes, wall_time_s, energy_<category>_pj, ...)
      or rate_hz.<population>. --csv writes the points drawn.

Needs Python 3 with h5py, numpy and matplotlib (Debian: python3-h5py,
python3-numpy, python3-matplotlib). Reads the files only; nmsim is not needed.
"""
import argparse
import csv
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
    _rows, grid = mapping(f)
    if grid:
        chip_lines(ax, grid)
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


def mapping(f):
    """The run file's mapping: rows (population, first, n, core, tile, chip), and
    the board's grid (grid_w, grid_h, chip_w, chip_h); None when absent."""
    if "/summary/mapping" not in f:
        return None, None
    m = f["/summary/mapping"][:]
    rows = [(text(r["population"]), int(r["first"]), int(r["n"]), int(r["core"]),
             int(r["tile"]), int(r["chip"])) for r in m]
    a = f["/summary"].attrs
    grid = tuple(int(a.get(k, 0)) for k in ("grid_w", "grid_h", "chip_w", "chip_h"))
    return rows, grid if grid[0] else None


def core_labels(rows):
    """core -> "pop[a..b], ..." from the mapping rows."""
    lab = {}
    for pop, first, n, core, _tile, _chip in rows:
        lab.setdefault(core, []).append("%s[%d..%d]" % (pop, first, first + n - 1))
    return {c: ", ".join(v) for c, v in lab.items()}


def chip_lines(ax, grid):
    """Draw the chip boundaries of a board grid (tile units, tiles at integers)."""
    gw, gh, cw, ch = grid
    for x in range(cw, gw, cw):
        ax.axvline(x - 0.5, color="k", linewidth=1.4)
    for y in range(ch, gh, ch):
        ax.axhline(y - 0.5, color="k", linewidth=1.4)


def plot_mapping(run, dpi, out, done):
    rows, grid = mapping(run.f)
    if not rows or not grid:
        note("%s has no /summary/mapping (network mode, a run that did not finish, or an "
             "older file): mapping.png skipped" % run.path)
        return
    gw, gh, cw, ch = grid
    pops = []
    for r in rows:
        if r[0] not in pops:
            pops.append(r[0])
    cmap = plt.get_cmap("tab10" if len(pops) <= 10 else "tab20")
    # neurons of each population in each tile
    per_tile = {}
    for pop, _first, n, _core, tile, _chip in rows:
        per_tile.setdefault(tile, {}).setdefault(pop, 0)
        per_tile[tile][pop] += n
    fig, ax = plt.subplots(figsize=(min(13, 0.55 * gw + 3), min(10, 0.55 * gh + 1.8)))
    for tile, d in per_tile.items():
        x, y = tile % gw, tile // gw
        total = sum(d.values())
        y0 = y - 0.45
        for pop in pops:
            if pop in d:
                hgt = 0.9 * d[pop] / total
                ax.add_patch(plt.Rectangle((x - 0.45, y0), 0.9, hgt,
                                           color=cmap(pops.index(pop) % cmap.N)))
                y0 += hgt
    for x in range(gw):
        for y in range(gh):
            ax.add_patch(plt.Rectangle((x - 0.45, y - 0.45), 0.9, 0.9, fill=False,
                                       color="0.7", linewidth=0.4))
    chip_lines(ax, grid)
    for i, pop in enumerate(pops):
        ax.add_patch(plt.Rectangle((0, 0), 0, 0, color=cmap(i % cmap.N), label=pop))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlim(-0.6, gw - 0.4)
    ax.set_ylim(-0.6, gh - 0.4)
    ax.set_aspect("equal")
    ax.set_xlabel("tile x")
    ax.set_ylabel("tile y")
    nchips = (gw // cw) * (gh // ch)
    ax.set_title(run.title("Mapping") + "\n(a tile's colours: its neurons by population; "
                 "black lines: chip boundaries, %d chip%s)" % (nchips, "" if nchips == 1 else "s"),
                 fontsize=9)
    save(fig, os.path.join(out, "mapping.png"), dpi, done)


SPLIT_COLOURS = {"compute": "tab:blue", "communication": "tab:orange", "learning": "tab:green",
                 "sync": "0.7"}


def plot_bottlenecks(run, window, dpi, out, done):
    f = run.f
    if "/steps/split_ns" not in f or "/cores/critical_steps" not in f:
        note("%s has no critical path (functional or network mode, a run that did not "
             "finish, or an older file): bottlenecks.png skipped" % run.path)
        return
    split = f["/steps/split_ns"][:]
    parts = [text(c) for c in f["/steps/split_ns"].attrs["columns"]]
    crit = f["/steps/critical_core"][:]
    cs = f["/cores/critical_steps"][:]
    busy = f["/cores/busy_ns"][:]
    rows, _grid = mapping(f)
    labels = core_labels(rows or [])
    ticks = bool(f["/summary"].attrs.get("on_ticks", 0))
    a, b = window if window else (0, min(run.steps, RASTER_MAX_STEPS))
    b = min(b, run.steps)
    fig, axes = plt.subplots(3, 1, figsize=(9, 9.5))
    ax = axes[0]
    x = np.arange(a, b)
    bottom = np.zeros(b - a)
    for k, name in enumerate(parts):
        lab = name if name != "sync" else ("wait for the next tick" if ticks else "barrier")
        ax.bar(x, split[a:b, k] / 1e3, bottom=bottom, width=1.0, label=lab,
               color=SPLIT_COLOURS.get(name, None), linewidth=0)
        bottom += split[a:b, k] / 1e3
    ax.set_xlabel("step")
    ax.set_ylabel("step time (us, hardware)")
    ax.legend(fontsize=7, ncol=4)
    ax.set_title("Each step's time by part (compute: the longest own updates of a core; "
                 "communication: until the critical core's last synaptic event)", fontsize=8)
    ax = axes[1]
    used = [c for c in range(len(cs)) if cs[c, 0] > 0]
    order = {c: i for i, c in enumerate(used)}
    ys = [order.get(int(c), -1) for c in crit[a:b]]
    ax.scatter(x, ys, s=6, color="tab:red")
    ax.set_yticks(range(len(used)))
    ax.set_yticklabels(["%d %s" % (c, labels.get(c, ""))[:40] for c in used], fontsize=6)
    ax.set_xlabel("step")
    ax.set_title("The core that finished last in each step (the critical core)", fontsize=8)
    ax = axes[2]
    top = sorted(range(len(cs)), key=lambda c: (-int(cs[c, 0]), c))[:20]
    top = [c for c in top if cs[c, 0] > 0]
    steps = max(1, int(cs[:, 0].sum()))
    ax.barh(range(len(top)), [100.0 * (cs[c, 0] - cs[c, 1]) / steps for c in top],
            color="tab:blue", label="own updates")
    ax.barh(range(len(top)), [100.0 * cs[c, 1] / steps for c in top],
            left=[100.0 * (cs[c, 0] - cs[c, 1]) / steps for c in top], color="tab:orange",
            label="spikes after its updates")
    ax.set_yticks(range(len(top)))
    ax.set_yticklabels(["core %d: %s" % (c, labels.get(c, ""))[:48] for c in top], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("steps it finished last in (%); busy neurons / synapses in the label")
    for i, c in enumerate(top):
        ax.text(0.5, i, " %.3g / %.3g us" % (busy[c, 0] / 1e3, busy[c, 1] / 1e3), fontsize=6,
                va="center")
    ax.legend(fontsize=7)
    fig.suptitle(run.title("Bottlenecks"), fontsize=9)
    fig.tight_layout()
    save(fig, os.path.join(out, "bottlenecks.png"), dpi, done)


TIMELINE_MAX_STEPS = 8  # steps drawn side by side in timeline.png
TIMELINE_MAX_CORES = 48


def plot_timeline(run, dpi, out, done):
    f = run.f
    if "/timeline/updates_start_ns" not in f:
        return  # recorded only when the scenario asks (record.timeline)
    g = f["/timeline"]
    first = int(g.attrs.get("first_step", 0))
    cores = np.atleast_1d(g["core"][:])
    tabs = {k: g[k][:] for k in ("updates_start_ns", "updates_end_ns", "work_end_ns",
                                 "synapses_ns", "packets")}
    for k, v in tabs.items():
        if v.ndim == 1:
            tabs[k] = v[:, None]
    nsteps = min(tabs["updates_start_ns"].shape[0], TIMELINE_MAX_STEPS)
    busy = (tabs["work_end_ns"][:nsteps] - tabs["updates_start_ns"][:nsteps]).sum(axis=0)
    # the cores busiest over the steps drawn, in core order
    pick = sorted(sorted(range(len(cores)), key=lambda i: -busy[i])[:TIMELINE_MAX_CORES])
    rows, _grid = mapping(f)
    labels = core_labels(rows or [])
    crit = f["/steps/critical_core"][first:first + nsteps] if "/steps/critical_core" in f \
        else [None] * nsteps
    fig, ax = plt.subplots(figsize=(11, 0.22 * len(pick) + 2.2))
    t0 = tabs["updates_start_ns"][0].min()
    for k in range(nsteps):
        for row, i in enumerate(pick):
            a = tabs["updates_start_ns"][k, i] - t0
            b = tabs["updates_end_ns"][k, i] - t0
            e = tabs["work_end_ns"][k, i] - t0
            syn = min(tabs["synapses_ns"][k, i], max(e - a, 0))
            ax.barh(row, (b - a) / 1e3, left=a / 1e3, height=0.7, color="tab:blue")
            if syn > 0:
                ax.barh(row - 0.2, syn / 1e3, left=(e - syn) / 1e3, height=0.3,
                        color="tab:orange")
            if int(cores[i]) == (int(crit[k]) if crit[k] is not None else -1):
                ax.plot(e / 1e3, row, marker="*", color="tab:red", markersize=7)
        step_start = tabs["updates_start_ns"][k].min() - t0
        ax.axvline(step_start / 1e3, color="0.6", linewidth=0.6, linestyle="--")
        ax.text(step_start / 1e3, len(pick) - 0.3, " step %d" % (first + k), fontsize=7,
                color="0.35")
    ax.set_yticks(range(len(pick)))
    ax.set_yticklabels(["%d %s (%d pkts)" % (int(cores[i]), labels.get(int(cores[i]), ""),
                                             int(tabs["packets"][:nsteps, i].sum()))[:56]
                        for i in pick], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("hardware time (us) from the first step drawn")
    ax.barh([], [], color="tab:blue", label="own updates")
    ax.barh([], [], color="tab:orange", label="synaptic events (their total, ending with "
            "the last)")
    ax.plot([], [], marker="*", color="tab:red", linestyle="", label="the step's critical core")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3)
    ax.set_title(run.title("Timeline") + "\n(record.timeline: %d of its steps, the %d busiest "
                 "cores; packets: those the core took in these steps)" % (nsteps, len(pick)),
                 fontsize=9)
    fig.tight_layout()
    save(fig, os.path.join(out, "timeline.png"), dpi, done)


def plot_link_windows(run, dpi, out, done):
    f = run.f
    if "/links/window/busy_ns" not in f:
        note("%s has no link tables per window: links_window.png skipped" % run.path)
        return
    g = f["/links/window"]
    t = g["time_ns"][:]
    busy = g["busy_ns"][:]
    stall = g["stall_ns"][:]
    if busy.ndim == 1:  # one link
        busy, stall = busy[:, None], stall[:, None]
    names = [text(n) for n in f["/links/name"][:]]
    tot_stall, tot_busy = stall.sum(axis=0), busy.sum(axis=0)
    # the links with the most stall, then the busiest, that carried anything
    idx = sorted(range(len(names)), key=lambda i: (-tot_stall[i], -tot_busy[i], i))
    idx = [i for i in idx if tot_busy[i] > 0][:30]
    if not idx:
        note("%s: no link carried a packet: links_window.png skipped" % run.path)
        return
    util = busy[:, idx] / np.maximum(t[:, None], 1e-12) * 100.0
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.22 * len(idx) + 2.4))
    for ax, data, what, cmap in ((axes[0], util.T, "busy (% of the window)", "viridis"),
                                 (axes[1], stall[:, idx].T / 1e3, "stall (us in the window)",
                                  "magma")):
        im = ax.imshow(data, aspect="auto", cmap=cmap, interpolation="nearest")
        fig.colorbar(im, ax=ax, label=what, shrink=0.85)
        ax.set_yticks(range(len(idx)))
        ax.set_yticklabels([names[i] for i in idx], fontsize=6)
        ax.set_xlabel("window of %d steps" % int(g.attrs.get("steps", 1)))
    axes[0].set_title("Link utilisation per window", fontsize=8)
    axes[1].set_title("Back-pressure: time packets waited with the link free", fontsize=8)
    fig.suptitle(run.title("Links over time") + "\n(the %d links with the most stall, then the "
                 "busiest)" % len(idx), fontsize=9)
    fig.tight_layout()
    save(fig, os.path.join(out, "links_window.png"), dpi, done)


def packet_latency(f):
    """The packet latency histogram of run file f: (counts, edges in ps, largest
    latency in ps or None, overflow), or None if the file has none. Bin b counts
    latencies in [edges[b], edges[b + 1]). Files before the log-linear bins have
    uniform bins of bin_ns, packets beyond them in overflow, and no max_ps."""
    if "/packets/latency_hist" not in f or f["/packets/latency_hist"].shape[0] == 0:
        return None
    d = f["/packets/latency_hist"]
    hist = d[:].astype(np.uint64)
    if "/packets/latency_edges_ps" in f:
        edges = f["/packets/latency_edges_ps"][:].astype(np.float64)
    else:
        edges = np.arange(len(hist) + 1, dtype=np.float64) * float(d.attrs.get("bin_ns", 1.0)) * 1e3
    mx = float(d.attrs["max_ps"]) if "max_ps" in d.attrs else None
    return hist, edges, mx, int(d.attrs.get("overflow", 0))


def packet_p99_ps(hist, edges, max_ps, overflow=0):
    """The p99 exactly as the report computes it (sim/system/run.c): the upper
    edge of the bin where the cumulative count reaches 99 %, capped at the
    largest latency; the largest latency if no bin reaches it (None if unknown)."""
    total = int(hist.sum(dtype=np.uint64)) + overflow
    if total == 0:
        return 0.0
    need = (total * 99 + 99) // 100
    cum = np.cumsum(hist, dtype=np.uint64)
    b = int(np.searchsorted(cum, np.uint64(need), side="left"))
    if b >= len(hist):
        return max_ps
    edge = float(edges[b + 1])
    return edge if max_ps is None or edge < max_ps else max_ps


def time_text(ps):
    for scale, unit in ((1e9, "ms"), (1e6, "us"), (1e3, "ns")):
        if ps >= scale:
            return "%.4g %s" % (ps / scale, unit)
    return "%.4g ps" % ps


def plot_packet_latency(run, dpi, out, done):
    h = packet_latency(run.f)
    if h is None:
        note("%s has no packet latency histogram (the run did not finish): "
             "packet_latency.png skipped" % run.path)
        return
    hist, edges, max_ps, over = h
    nz = np.nonzero(hist)[0]
    if len(nz) == 0:
        note("no packets were delivered: packet_latency.png skipped")
        return
    # the occupied bins, merged into at most ~200 bars of about equal width on
    # the axis: logarithmic when the latencies span more than a factor of 20
    first, last = int(nz[0]), int(nz[-1]) + 1
    lo, hi = float(edges[first]), float(edges[last])
    logx = hi > 20 * max(lo, float(edges[first + 1]) / 2)
    if logx:
        lo = max(lo, float(edges[first + 1]) / 2)
        pos = np.log(np.maximum(edges[first:last], lo))
        group = np.floor((pos - pos[0]) / (np.log(hi) - pos[0]) * 200).astype(int)
    else:
        group = np.floor((edges[first:last] - lo) / (hi - lo) * 200).astype(int)
    starts = np.r_[0, np.nonzero(np.diff(group))[0] + 1]  # first bin of each bar
    counts = np.add.reduceat(hist[first:last].astype(np.float64), starts)
    left = edges[first:last][starts]
    right = np.r_[left[1:], hi]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar(left / 1e3, counts, width=(right - left) / 1e3, align="edge", color="tab:blue")
    ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    p99 = packet_p99_ps(hist, edges, max_ps, over)
    if p99 is None:
        note("%s: the p99 lies beyond the histogram's uniform bins (a run file of an earlier "
             "version): not marked" % run.path)
    else:
        ax.axvline(p99 / 1e3, color="tab:red", linestyle="--", linewidth=0.8,
                   label="p99 %s (as nmsim report)" % time_text(p99))
    if max_ps is not None:
        ax.axvline(max_ps / 1e3, color="0.3", linestyle=":", linewidth=0.8,
                   label="largest %s" % time_text(max_ps))
    if p99 is not None or max_ps is not None:
        ax.legend(fontsize=7)
    ax.set_xlabel("packet latency (ns, injection to delivery%s)" % (", log scale" if logx else ""))
    ax.set_ylabel("packets per bar")
    n = int(hist.sum(dtype=np.uint64)) + over
    ax.set_title(run.title("Packet latency") + "\n%d packets%s" % (
        n, ", %d beyond the histogram" % over if over else ""), fontsize=9)
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
    for fn in (plot_raster, plot_bottlenecks):
        fn(run, window, args.dpi, args.output, done)
    for fn in (plot_energy_category, plot_energy_core, plot_links, plot_link_windows,
               plot_mapping, plot_timeline, plot_step_latency, plot_packet_latency,
               plot_traces):
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


def spread(ys, how):
    """(mean, low, high) of the values ys: the band of min-max or of one
    standard deviation (the sample's, n - 1) about the mean."""
    a = np.asarray(ys, dtype=np.float64)
    m = float(a.mean())
    if how == "std":
        sd = float(a.std(ddof=1)) if len(a) > 1 else 0.0
        return m, m - sd, m + sd
    return m, float(a.min()), float(a.max())


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
    runs = []  # (x as recorded, y, the other parameters but the seed)
    for r in rows:
        params = json.loads(r["parameters"] or "{}")
        if args.x in params:
            xr = params[args.x]
        elif args.x in cols and r[args.x] is not None:
            xr = r[args.x]
        else:
            continue
        if rate:
            pr = con.execute("SELECT rate_hz FROM run_populations WHERE run_id = ? AND name = ?",
                             (r["id"], args.y[len("rate_hz."):])).fetchone()
            yv = pr[0] if pr else None
        else:
            yv = r[args.y]
        if yv is None:
            continue
        rest = tuple(sorted((k, str(v)) for k, v in params.items()
                            if k != args.x and k != "seed"))
        runs.append((xr, float(yv), rest))
    if not runs:
        sys.exit("plot.py: no complete run in %s has the parameter %s%s" % (
            args.db, args.x, " in sweep " + args.sweep if args.sweep else ""))
    # x is numeric if every value is a number (with one unit, "10 ms"); else
    # categorical (a chip, a text column, a list), in the order of the runs
    nums = [as_number(x) for x, _, _ in runs]
    categorical = any(n is None for n in nums)
    xunit = "" if categorical else next((n[1] for n in nums if n[1]), "")
    cats = []
    for x, _, _ in runs:
        if categorical and text(x) not in cats:
            cats.append(text(x))
    # series are told apart by the parameters that vary; the constant ones go
    # to the title. Runs that share a series and an x (the seeds) become one
    # point: their mean and spread
    keys = {k for _, _, rest in runs for k, _ in rest}
    vary = {k for k in keys if len({dict(rest).get(k) for _, _, rest in runs}) > 1}
    fixed = sorted({kv for _, _, rest in runs for kv in rest if kv[0] not in vary})
    series = {}
    for (x, y, rest), n in zip(runs, nums):
        key = tuple(kv for kv in rest if kv[0] in vary)
        xk = text(x) if categorical else n[0]
        series.setdefault(key, {}).setdefault(xk, []).append(y)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    yscale, yunit = 1.0, ""
    m = re.fullmatch(r"(.*)_(pj|ns)", args.y)
    if m and m.group(2) == "pj":
        yscale, yunit = energy_unit(max(abs(y) for _, y, _ in runs))
    elif m:
        yunit = "ns"
    table = []  # series, x, runs, mean, low, high
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ns = []
    def order(item):  # series by their parameters' values, numbers as numbers
        return [(k, (0, as_number(v)[0], "") if as_number(v) else (1, 0.0, v)) for k, v in item[0]]

    for i, (key, pts) in enumerate(sorted(series.items(), key=order)):
        xs = cats if categorical else sorted(pts)
        xs = [x for x in xs if x in pts]
        st = [spread(pts[x], args.spread) for x in xs]
        mean, low, high = (np.array(v) / yscale for v in zip(*st))
        label = ", ".join("%s=%s" % kv for kv in key) or None
        c = colours[i % len(colours)]
        ns += [len(pts[x]) for x in xs]
        for x, (a, lo, hi) in zip(xs, st):
            table.append((label or "", x, len(pts[x]), a, lo, hi))
        if categorical:
            # side by side within each category
            w = 0.7 / len(series)
            pos = np.array([cats.index(x) for x in xs]) + (i - (len(series) - 1) / 2) * w
            ax.errorbar(pos, mean, yerr=[mean - low, high - mean], fmt="o", markersize=5,
                        capsize=4, color=c, label=label)
        else:
            ax.plot(xs, mean, marker="o", markersize=4, color=c, label=label)
            if any(len(pts[x]) > 1 for x in xs):
                ax.fill_between(xs, low, high, color=c, alpha=0.2, linewidth=0)
    if categorical:
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels(cats, rotation=30 if sum(len(c) for c in cats) > 40 else 0,
                           ha="right" if sum(len(c) for c in cats) > 40 else "center")
        ax.set_xlim(-0.6, len(cats) - 0.4)
    if args.logy:
        bad = sum(1 for t in table if t[3] <= 0)
        if bad:
            note("--logy: %d points at or below 0 are not shown" % bad)
        ax.set_yscale("log")
    ax.set_xlabel(args.x + (" (%s)" % xunit if xunit else ""))
    ylabel = args.y if not m else m.group(1)
    ax.set_ylabel(ylabel + (" (%s)" % yunit if yunit else (" (Hz)" if rate else "")))
    if any(len(k) for k in series):
        ax.legend(fontsize=7)
    what = ("mean, %s over %s runs per point" % (
        "min to max" if args.spread == "minmax" else "one standard deviation",
        min(ns) if min(ns) == max(ns) else "%d to %d" % (min(ns), max(ns)))
        if max(ns) > 1 else "one run per point")
    ax.set_title("%s against %s: %d runs from %s%s\n%s%s" % (
        ylabel, args.x, len(runs), os.path.basename(args.db),
        " (sweep %s)" % args.sweep if args.sweep else "", what,
        "\n" + ", ".join("%s=%s" % kv for kv in fixed) if fixed else ""), fontsize=9)
    ax.grid(alpha=0.3)
    d = os.path.dirname(args.output)
    if d:
        os.makedirs(d, exist_ok=True)
    done = []
    save(fig, args.output, args.dpi, done)
    print(args.output)
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["series", args.x, "runs", "mean", "low", "high"])
            for t in table:
                w.writerow([t[0], t[1], t[2]] + [repr(v) for v in t[3:]])
        print(args.csv)


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
    ap.add_argument("--x", help="parameter (a --set key) or runs column for the x axis of a "
                    "--db plot: numbers, or categories (chip, any text)")
    ap.add_argument("--y", help="metric for the y axis of a --db plot")
    ap.add_argument("--sweep", help="only the runs of this sweep id")
    ap.add_argument("--logy", action="store_true", help="logarithmic y axis (--db)")
    ap.add_argument("--spread", choices=("minmax", "std"), default="minmax",
                    help="band or error bars about the mean of the runs of a point (the "
                    "seeds): minmax (default) or std, one standard deviation (--db)")
    ap.add_argument("--csv", help="also write the points of a --db plot (series, x, runs, "
                    "mean, low, high) to this CSV file")
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
