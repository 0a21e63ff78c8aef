"""check_runfile.py: reads an nmsim run file with h5py alone and checks it
against docs/hdf5-layout.md: every group, dataset, shape, dtype, unit and the
status semantics. Used by tests/test_outputs.c.

  check_runfile.py RUN.h5 complete|incomplete|failed [KEY=VALUE ...]
    steps=N       the per-step datasets hold exactly N steps
    min_steps=N   ... at least N
    categories=a,b,...  the energy category keys, in order
    n_cores=N n_tiles=N n_links=N scenario=NAME chip=NAME seed=N overrides=JSON

Prints "ok STEPS" on success; on failure an AssertionError that says what was
found and what was expected.
"""
import json
import re
import sys

import h5py
import numpy as np


def expect(cond, what, got, want):
    assert cond, "%s: got %r, expected %r" % (what, got, want)


def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def unit(d, want):
    got = s(d.attrs.get("unit", "<none>"))
    expect(got == want, d.name + " unit", got, want)


def stored(d):
    """A dataset of the layout: chunked and deflate-compressed."""
    expect(d.chunks is not None, d.name + " chunks", d.chunks, "chunked")
    expect(d.compression == "gzip", d.name + " compression", d.compression, "gzip")


def main():
    path, status = sys.argv[1], sys.argv[2]
    opt = dict(a.split("=", 1) for a in sys.argv[3:])
    f = h5py.File(path, "r")
    a = f.attrs
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    # root attributes and status semantics
    expect(s(a["status"]) == status, "status", s(a["status"]), status)
    for k in ("nmsim_version", "scenario_name", "chip", "start_time", "overrides"):
        expect(isinstance(a[k], (str, bytes)), "attribute " + k, type(a[k]), "str")
    for k, t in (("seed", np.uint64), ("steps", np.uint64), ("n_cores", np.uint32),
                 ("n_tiles", np.uint32), ("dt_ms", np.float64), ("static_power_mw", np.float64)):
        expect(a[k].dtype == t, "attribute %s dtype" % k, a[k].dtype, t)
    expect(iso.match(s(a["start_time"])), "start_time", s(a["start_time"]), "ISO 8601 UTC")
    overrides = json.loads(s(a["overrides"]))
    expect(isinstance(overrides, dict), "overrides", overrides, "a JSON object")
    if status == "complete":
        expect(iso.match(s(a["end_time"])), "end_time", s(a.get("end_time")), "ISO 8601 UTC")
        expect(float(a["wall_time_s"]) >= 0, "wall_time_s", a["wall_time_s"], ">= 0")
        expect("summary" in f, "/summary", "absent", "present")
        expect("error" not in a, "error attribute", "present", "absent")
    else:
        expect("summary" not in f, "/summary", "present", "absent")
        if status == "failed":
            expect(len(s(a["error"])) > 0, "error", s(a.get("error")), "a message")
        else:
            expect("end_time" not in a, "end_time", "present", "absent (killed run)")
    for k, conv in (("scenario", s), ("chip", s), ("seed", int), ("n_cores", int),
                    ("n_tiles", int)):
        if k in opt:
            got = conv(a["scenario_name" if k == "scenario" else k])
            expect(got == conv(opt[k]), k, got, conv(opt[k]))
    if "overrides" in opt:
        expect(overrides == json.loads(opt["overrides"]), "overrides", overrides,
               json.loads(opt["overrides"]))

    # texts
    for k in ("/meta/scenario", "/meta/chip"):
        t = f[k][()]
        expect(len(s(t)) > 0, k, t, "the file's text")
    expect("name: " in s(f["/meta/chip"][()]), "/meta/chip", "...", "a chip file")

    # per-step series
    lat = f["/steps/latency_ns"]
    en = f["/steps/energy_pj"]
    n = lat.shape[0]
    unit(lat, "ns")
    unit(en, "pJ")
    stored(lat)
    stored(en)
    expect(lat.dtype == np.float64 and lat.ndim == 1, "latency dtype/rank", (lat.dtype, lat.ndim),
           ("float64", 1))
    cols = [s(c) for c in en.attrs["columns"]]
    expect(en.shape == (n, len(cols)), "/steps/energy_pj shape", en.shape, (n, len(cols)))
    if "categories" in opt:
        want = opt["categories"].split(",")
        expect(cols == want, "energy columns", cols, want)
    if "steps" in opt:
        expect(n == int(opt["steps"]), "steps in the file", n, int(opt["steps"]))
    if "min_steps" in opt:
        expect(n >= int(opt["min_steps"]), "steps in the file", n, ">= " + opt["min_steps"])
    lv, ev = lat[:], en[:]  # every completed step reads back
    expect(bool((lv > 0).all()), "step latencies", lv.min() if n else None, "> 0")
    expect(bool((ev >= 0).all()), "step energies", ev.min() if n else None, ">= 0")

    # populations and spikes
    spikes_total = 0
    for name, g in f["/populations"].items():
        for k in ("size", "model", "record_spikes"):
            expect(k in g.attrs, "/populations/%s attribute %s" % (name, k), "absent", "present")
        if "spikes" not in g:
            expect(int(g.attrs["record_spikes"]) == 0, name + " record_spikes", 1, 0)
            continue
        st, ne = g["spikes/step"], g["spikes/neuron"]
        expect(st.dtype == np.uint64 and ne.dtype == np.uint32, name + " spike dtypes",
               (st.dtype, ne.dtype), ("uint64", "uint32"))
        unit(st, "step")
        unit(ne, "index")
        stored(st)
        stored(ne)
        sv, nv = st[:], ne[:]
        expect(len(sv) == len(nv), name + " spike columns", (len(sv), len(nv)), "equal")
        if len(sv):
            expect(bool((np.diff(sv.astype(np.int64)) >= 0).all()), name + " spike order",
                   "unsorted", "by step")
            expect(int(sv.max()) < n, name + " last spike step", int(sv.max()), "< %d" % n)
            expect(int(nv.max()) < int(g.attrs["size"]), name + " neuron index",
                   int(nv.max()), "< size")
        spikes_total += len(sv)

    # state traces
    for pop, g in f.get("state", {}).items():
        for var, d in g.items():
            k = len(d.attrs["neurons"])
            expect(d.shape == (n, k), "/state/%s/%s shape" % (pop, var), d.shape, (n, k))
            expect(d.dtype == np.float64, d.name + " dtype", d.dtype, "float64")
            expect("unit" in d.attrs, d.name + " unit", "absent", "present")
            stored(d)
            d[:]

    # end-of-run tables
    if status != "complete":
        print("ok %d" % n)
        return
    sm = f["summary"].attrs
    expect(int(sm["steps"]) == n, "/summary steps", int(sm["steps"]), n)
    expect(s(sm["status"]) == "complete", "/summary status", s(sm["status"]), "complete")
    dyn = sum(float(sm["energy_pj." + c]) for c in cols)
    expect(abs(ev.sum() - dyn) <= 1e-9 * max(dyn, 1), "sum of /steps/energy_pj", ev.sum(), dyn)
    expect(int(sm["spikes"]) == spikes_total or spikes_total <= int(sm["spikes"]),
           "recorded spikes", spikes_total, "<= %d" % int(sm["spikes"]))
    core = f["/cores/energy_pj"]
    tile = f["/tiles/energy_pj"]
    unit(core, "pJ")
    unit(tile, "pJ")
    stored(core)
    expect(core.shape == (int(a["n_cores"]), len(cols)), "/cores/energy_pj shape", core.shape,
           (int(a["n_cores"]), len(cols)))
    expect(tile.shape == (int(a["n_tiles"]), len(cols)), "/tiles/energy_pj shape", tile.shape,
           (int(a["n_tiles"]), len(cols)))
    # every joule of a step is a core's, a tile's (routing) or the barrier's
    barrier = float(sm["energy_pj.barrier"]) if "barrier" in cols else 0.0
    parts = core[:].sum() + tile[:].sum() + barrier
    expect(abs(parts - dyn) <= 1e-6 * max(dyn, 1), "cores + tiles + barrier energy", parts, dyn)
    hist = f["/packets/latency_hist"]
    unit(hist, "packets")
    stored(hist)
    edges = f["/packets/latency_edges_ps"]
    unit(edges, "ps")
    stored(edges)
    expect(edges.shape == (hist.shape[0] + 1,), "/packets/latency_edges_ps shape", edges.shape,
           (hist.shape[0] + 1,))
    e = edges[:]
    expect(e[0] == 0 and bool((np.diff(e) > 0).all()), "latency edges", e[:4], "0, increasing")
    expect(int(hist.attrs["overflow"]) == 0, "overflow", hist.attrs["overflow"], 0)
    h = hist[:]
    delivered = int(h.sum())
    expect(delivered == int(sm["packets"]), "histogram packets", delivered, int(sm["packets"]))
    # the report's p99: upper edge of the bin reaching 99 %, capped at max_ps
    mx = float(hist.attrs["max_ps"])
    p99 = mx
    if delivered:
        b = int(np.searchsorted(np.cumsum(h), (delivered * 99 + 99) // 100))
        p99 = min(float(e[b + 1]), mx)
    expect(p99 == float(sm["packet_p99_ps"]), "p99 from the histogram", p99,
           float(sm["packet_p99_ps"]))
    lk = f["links"]
    m = int(lk.attrs["n_links"])
    if "n_links" in opt:
        expect(m == int(opt["n_links"]), "n_links", m, int(opt["n_links"]))
    for k, shape, u in (("name", (m,), None), ("src_xy", (m, 2), "tile"), ("dst_xy", (m, 2), "tile"),
                        ("packets", (m,), "packets"), ("busy_ns", (m,), "ns"),
                        ("utilisation", (m,), "1")):
        d = lk[k]
        expect(d.shape == shape, "/links/%s shape" % k, d.shape, shape)
        if u:
            unit(d, u)
        stored(d)
    step = np.abs(lk["src_xy"][:] - lk["dst_xy"][:]).sum(axis=1)
    expect(bool((step == 1).all()), "links join neighbours", step.tolist(), "all 1")
    hops = int(lk["packets"][:].sum())
    expect(hops == int(sm["hops"]), "packets over all links", hops, int(sm["hops"]))
    hw_ns = float(lv.sum())
    util = lk["utilisation"][:]
    want = lk["busy_ns"][:] / hw_ns
    expect(np.allclose(util, want, rtol=1e-6), "utilisation", util.tolist()[:4], want.tolist()[:4])
    expect(bool(((util >= 0) & (util <= 1)).all()), "utilisation range", util.max(), "[0, 1]")
    print("ok %d" % n)


main()
