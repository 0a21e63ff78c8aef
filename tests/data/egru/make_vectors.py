#!/usr/bin/env python3
"""make_vectors.py: reference vectors for nmsim's `egru` model (models/egru.c),
computed here in NumPy float64 from the equations of the event-based GRU
(Subramoney et al., "Efficient recurrent architectures through activity
sparsity and sparse back-propagation through time", ICLR 2023), written
independently of the C code:

    u = sigmoid(b_u + in_u)             r = sigmoid(b_r + in_r)
    z = tanh(b_z + in_z_in + r * (b_zh + in_z_rec))
    c = u * z + (1 - u) * c
    event where c > theta: y = c; elsewhere y = 0
    reset 0: c -= theta where an event was emitted (the EGRU reference code)
    reset 1: the next step subtracts y instead (the preprint's equations:
             c<t> = u z + (1 - u) c<t-1> - y<t-1>)

Two kinds of case, each one JSON file in this folder (tests/test_egru.c reads
every file here; the names do not matter):

  unit     units driven directly with per-step site inputs (any value,
           saturating gates, negative states), every state variable expected;
  network  populations of EGRU units fed by spike sources through weighted
           projections (one per gate), with recurrence and stacked layers; the
           input of step t is the events of step t - 1 (nmsim's default delay
           of one step); c and y of every unit at every step expected.

The input sums are formed as nmsim forms them (docs/scenario-format.md,
"How input is summed"): the weights onto a population on a grid of 2^-s,
where s = floor(log2((2^31 - 1) / max |w|)) over every weight onto it, each
delivery w * value rounded to that grid (half away from zero), summed exactly.

Vectors are drawn from fixed seeds; a draw whose cell state comes within 1e-9
of a threshold at any step (where float rounding could move an event) is
rejected and the next seed taken, so the vectors decide every event clearly.
Run: python3 tests/data/egru/make_vectors.py  (rewrites the JSON files).
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MARGIN = 1e-9
TOL = {"abs": 1e-12, "rel": 1e-12}
PARAMS = ["theta", "b_u", "b_r", "b_z", "b_zh"]


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def egru_step(p, reset, c, y_prev, in_u, in_r, in_zi, in_zr):
    """One step of a layer; returns (c, u, r, z, y, margin)."""
    u = sigmoid(p["b_u"] + in_u)
    r = sigmoid(p["b_r"] + in_r)
    z = np.tanh(p["b_z"] + in_zi + r * (p["b_zh"] + in_zr))
    c = u * z + (1.0 - u) * c
    if reset == 1:
        c = c - y_prev
    margin = np.min(np.abs(c - p["theta"])) if c.size else np.inf
    fire = c > p["theta"]
    y = np.where(fire, c, 0.0)
    if reset == 0:
        c = c - np.where(fire, p["theta"], 0.0)
    return c, u, r, z, y, margin


def rnd(x):
    """Round half away from zero, as C's llround."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def draw_params(rng, n):
    return {
        "theta": rng.uniform(0.02, 0.4, n),
        "b_u": rng.normal(0.0, 1.0, n),
        "b_r": rng.normal(0.0, 1.0, n),
        "b_z": rng.normal(0.3, 0.5, n),
        "b_zh": rng.normal(0.0, 0.5, n),
    }


def unit_case(seed, reset, n, steps, scale):
    rng = np.random.default_rng(seed)
    p = draw_params(rng, n)
    ins = {s: rng.normal(0.0, scale, (steps, n)) for s in ("u", "r", "z_in", "z_rec")}
    # a few steps of silence and of large drive: saturated gates, long memory
    ins["u"][steps // 3: steps // 3 + 3] = -30.0
    ins["z_in"][steps // 2: steps // 2 + 2] = 25.0
    c = np.zeros(n)
    y = np.zeros(n)
    out = {k: [] for k in ("c", "u", "r", "z", "y")}
    worst = np.inf
    for t in range(steps):
        c, u, r, z, y, m = egru_step(p, reset, c, y, ins["u"][t], ins["r"][t], ins["z_in"][t],
                                     ins["z_rec"][t])
        worst = min(worst, m)
        for k, v in zip(("c", "u", "r", "z", "y"), (c, u, r, z, y)):
            out[k].append(v.tolist())
    p["reset"] = np.full(n, float(reset))
    case = {"kind": "unit", "seed": seed, "units": n, "steps": steps,
            "params": {k: v.tolist() for k, v in p.items()},
            "inputs": {k: v.tolist() for k, v in ins.items()},
            "expected": out, "tolerance": TOL}
    return case, worst, float(np.mean(np.array(out["y"]) != 0))


def network_case(seed, reset, n_in, layers, steps, density):
    """layers: list of sizes; layer 0 reads the inputs, layer k > 0 reads
    layer k - 1; every layer reads itself (recurrence)."""
    rng = np.random.default_rng(seed)
    # the inputs: one source per token; token sequence, one spike per step
    tokens = rng.integers(0, n_in, steps)
    spikes = [sorted(int(t) for t in np.nonzero(tokens == k)[0]) for k in range(n_in)]
    pops = [{"name": "x", "size": n_in}]
    params = []
    for i, n in enumerate(layers):
        pops.append({"name": "h%d" % (i + 1), "size": n})
        params.append(draw_params(rng, n))
    projs = []   # (from index, to index, site, matrix [from_size, to_size])
    for i, n in enumerate(layers):
        src = i  # the population before it
        n_src = pops[src]["size"]
        for site in ("u", "r", "z_in"):
            w = rng.normal(0.0, 2.0 / np.sqrt(n_src), (n_src, n))
            w *= rng.random((n_src, n)) < density
            projs.append((src, i + 1, site, w))
        for site in ("u", "r", "z_rec"):
            w = rng.normal(0.0, 1.5 / np.sqrt(n), (n, n))
            w *= rng.random((n, n)) < density
            projs.append((i + 1, i + 1, site, w))
    # the fixed-point grid of each target population's input
    shift = {}
    for (f, to, site, w) in projs:
        shift[to] = max(shift.get(to, 0.0), float(np.max(np.abs(w))))
    shift = {k: min(62, int(np.floor(np.log2(2147483647.0 / m)))) for k, m in shift.items()}
    # run: events of step t reach their targets in step t + 1
    prev = [np.zeros(p["size"]) for p in pops]
    c = [np.zeros(n) for n in layers]
    exp = {p["name"]: {"c": [], "y": []} for p in pops[1:]}
    worst = np.inf
    active = []
    for t in range(steps):
        cur = [None] * len(pops)
        cur[0] = np.zeros(n_in)
        cur[0][tokens[t]] = 1.0
        for li, n in enumerate(layers):
            k = li + 1
            acc = {s: np.zeros(n) for s in ("u", "r", "z_in", "z_rec")}
            for (f, to, site, w) in projs:
                if to == k:
                    wq = rnd(np.ldexp(w, shift[k]))          # integer weights
                    acc[site] = acc[site] + rnd(wq * prev[f][:, None]).sum(axis=0)
            s_in = {s: np.ldexp(a, -shift[k]) for s, a in acc.items()}
            c[li], u, r, z, y, m = egru_step(params[li], reset, c[li], prev[k], s_in["u"], s_in["r"],
                                             s_in["z_in"], s_in["z_rec"])
            worst = min(worst, m)
            cur[k] = y
            exp[pops[k]["name"]]["c"].append(c[li].tolist())
            exp[pops[k]["name"]]["y"].append(y.tolist())
            active.append(float(np.mean(y != 0)))
        prev = cur
    for p in params:
        p["reset"] = np.full(len(p["theta"]), float(reset))
    case = {"kind": "network", "seed": seed, "steps": steps,
            "populations": [
                {"name": "x", "size": n_in, "spikes": spikes}] + [
                {"name": pops[i + 1]["name"], "size": n,
                 "params": {k: v.tolist() for k, v in params[i].items()}}
                for i, n in enumerate(layers)],
            "projections": [
                {"from": pops[f]["name"], "to": pops[to]["name"], "site": site,
                 "pairs": [[int(a), int(b), float(w[a, b])] for a, b in zip(*np.nonzero(w))]}
                for (f, to, site, w) in projs],
            "expected": exp, "tolerance": TOL}
    return case, worst, float(np.mean(active))


def write(name, make, *args):
    seed = args[0]
    while True:
        case, worst, act = make(seed, *args[1:])
        if worst > MARGIN:
            break
        seed += 1
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")
    print("%s: seed %d, closest approach to a threshold %.3g, events in %.0f %% of unit steps"
          % (name, seed, worst, 100 * act))


if __name__ == "__main__":
    write("unit_gates.json", unit_case, 11, 0, 16, 40, 1.5)
    write("unit_gates_reset_value.json", unit_case, 41, 1, 16, 40, 1.5)
    write("network_one_layer.json", network_case, 21, 0, 6, [12], 60, 0.6)
    write("network_two_layers.json", network_case, 31, 1, 5, [10, 8], 80, 0.5)
