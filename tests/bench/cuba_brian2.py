#!/usr/bin/python3
"""CUBA benchmark in Brian2 (the peer of tests/bench/cuba.yaml): Vogels &
Abbott 2005 as in Brian2's examples/CUBA.py, with fan-out 80 (p = 80 / N).

Usage: cuba_brian2.py N SECONDS {standalone|cython} OUTDIR [THREADS]
THREADS: OpenMP threads of the C++ standalone build (default 1).
Prints one JSON line: wall time of the run, spikes, mean rate, synapses.
"""
import json
import sys
import time

import brian2 as b2
from brian2 import ms, mV, second

n, seconds, mode, outdir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
if mode == "standalone":
    b2.set_device("cpp_standalone", directory=outdir, build_on_run=False)
    # 0: no OpenMP at all (one thread); N > 1: N OpenMP threads
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
else:
    b2.prefs.codegen.target = "cython"
b2.defaultclock.dt = 0.1 * ms
b2.seed(42)

taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = b2.NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                   method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
we, wi = (60 * 0.27 / 10) * mV, (-20 * 4.5 / 10) * mV
ne = int(0.8 * n)
p = 80.0 / n
Ce = b2.Synapses(P[:ne], P, on_pre="ge += we")
Ci = b2.Synapses(P[ne:], P, on_pre="gi += wi")
Ce.connect(p=p)
Ci.connect(p=p)
s_mon = b2.SpikeMonitor(P, record=False)

t0 = time.perf_counter()
b2.run(seconds * second)
if mode == "standalone":
    b2.device.build(directory=outdir, compile=True, run=True, debug=False)
    run_s = b2.device._last_run_time
else:
    run_s = time.perf_counter() - t0
spikes = int(s_mon.num_spikes)
print(json.dumps({"peer": "brian2-" + mode, "n": n, "threads": threads, "seconds": seconds,
                  "run_s": run_s,
                  "spikes": spikes, "rate_hz": spikes / n / seconds,
                  "synapses": int(len(Ce) + len(Ci))}))
